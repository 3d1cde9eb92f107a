// A model: description, tags, aliases, its versions (paged), the timeline of stage and alias changes, time travel.
import { MLFLOW, SMR, get } from "../api.js";
import { errorBox, h, localTime, quoted, replace, stageBadge } from "../dom.js";
import { Pager } from "../pager.js";
import { api, callerLevel, descriptionBlock, historyItem, may, tagsBlock } from "./common.js";

const VERSIONS_PAGE = 25;
const HISTORY_PAGE = 20;

function metricsSummary(version) {
  const latest = new Map();
  for (const metric of version.model_metrics || []) latest.set(metric.key, metric.value);
  return [...latest].slice(0, 4).map(([key, value]) => `${key}=${Number(value).toPrecision(4)}`).join(" ");
}

function versionRow(name, version, selected) {
  const href = `#/models/${encodeURIComponent(name)}/versions/${version.version}`;
  const box = h("input", { type: "checkbox", "aria-label": `Select version ${version.version} to compare`, checked: selected.has(version.version) });
  box.addEventListener("change", () => (box.checked ? selected.add(version.version) : selected.delete(version.version)));
  const run = version.run_id ? h("a", { href: `#/experiments/-/runs/${encodeURIComponent(version.run_id)}` }, version.run_id.slice(0, 8)) : "";
  return h("tr", {},
    h("td", {}, box),
    h("td", {}, h("a", { href }, `Version ${version.version}`)),
    h("td", {}, stageBadge(version.current_stage)),
    h("td", {}, (version.aliases || []).map((alias) => h("span", { class: "alias" }, `@${alias}`))),
    h("td", {}, version.status || ""),
    h("td", { class: "wrap mono" }, version.source || ""),
    h("td", {}, run),
    h("td", {}, version.user_id ? version.user_id.split("/").pop() : ""),
    h("td", {}, localTime(version.creation_timestamp)),
    h("td", {}, localTime(version.last_updated_timestamp)),
    h("td", { class: "mono" }, metricsSummary(version)));
}

function stateAtForm(name) {
  const result = h("p", { role: "status", class: "state-at-result" });
  const form = h("form", { class: "action inline", "aria-label": "What was in a stage at a date" },
    h("label", {}, "What was in ", h("select", { name: "stage" }, ["Production", "Staging"].map((s) => h("option", { value: s }, s)))),
    h("label", {}, " at ", h("input", { type: "datetime-local", name: "at", required: true, step: 1 })),
    h("button", { type: "submit" }, "Ask"), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const timestamp = new Date(String(data.get("at"))).getTime();
    try {
      const answer = await get(`${SMR}/registered-models/state-at`, { name, stage: data.get("stage"), timestamp });
      const versions = answer.versions || [];
      result.replaceChildren(versions.length
        ? `${data.get("stage")} at ${localTime(timestamp)}: ${versions.map((v) => `version ${v}`).join(", ")}`
        : `Nothing was in ${data.get("stage")} at ${localTime(timestamp)}.`);
    } catch (error) {
      result.replaceChildren(errorBox(error));
    }
  });
  return form;
}

export async function showModel(main, name) {
  const [model, level] = await Promise.all([
    get(`${MLFLOW}/registered-models/get`, { name }).then((answer) => answer.registered_model),
    callerLevel(name),
  ]);
  const canEdit = may(level, "EDIT");
  const reload = () => showModel(main, name);
  const selected = new Set();

  const versionsBody = h("tbody");
  const versions = new Pager(async (token) => {
    const answer = await get(`${MLFLOW}/model-versions/search`, {
      filter: `name=${quoted(name)}`, order_by: "version_number DESC", max_results: VERSIONS_PAGE, page_token: token,
    });
    return { items: answer.model_versions || [], next: answer.next_page_token };
  }, (items) => replace(versionsBody, items.length ? items.map((v) => versionRow(name, v, selected)) : h("tr", {}, h("td", { colspan: 11 }, "No versions."))), "Version pages");

  const timeline = h("ol", { class: "timeline", "aria-label": "Timeline" });
  const history = new Pager(async (token) => {
    const answer = await get(`${SMR}/registered-models/history`, { name, order: "desc", max_results: HISTORY_PAGE, page_token: token });
    return { items: answer.records || [], next: answer.next_page_token };
  }, (records) => replace(timeline, records.length ? records.map(historyItem) : h("li", { class: "muted" }, "No stage or alias change yet.")), "Timeline pages");

  const compare = h("button", { type: "button", onclick: () => {
    const chosen = [...selected].sort((a, b) => Number(a) - Number(b));
    if (chosen.length < 2) { compare.nextSibling.textContent = "Select two or more versions."; return; }
    location.hash = `#/compare/${encodeURIComponent(name)}?v=${chosen.join(",")}`;
  } }, "Compare selected");

  replace(main,
    h("p", { class: "crumbs" }, h("a", { href: "#/models" }, "Models"), " / "),
    h("h1", {}, model.name, " ", h("span", { class: "level", title: "your permission on this model" }, level)),
    h("p", { class: "muted" }, `created ${localTime(model.creation_timestamp)} · updated ${localTime(model.last_updated_timestamp)} · `,
      h("a", { href: `#/models/${encodeURIComponent(name)}/events` }, "Events and webhooks")),
    h("section", { "aria-labelledby": "about" }, h("h2", { id: "about" }, "About"),
      descriptionBlock(model.description, canEdit, (text) => api.updateModel(name, text), reload),
      h("h3", {}, "Tags"), tagsBlock(model.tags, canEdit, (k, v) => api.setModelTag(name, k, v), (k) => api.deleteModelTag(name, k), reload),
      h("h3", {}, "Aliases"),
      h("p", {}, (model.aliases || []).length ? model.aliases.map((a) => h("a", { class: "alias", href: `#/models/${encodeURIComponent(name)}/versions/${a.version}` }, `@${a.alias} → v${a.version}`)) : h("span", { class: "muted" }, "No aliases."))),
    h("section", { "aria-labelledby": "versions" }, h("h2", { id: "versions" }, "Versions"),
      h("div", { class: "scroll" }, h("table", { "aria-label": "Versions" },
        h("thead", {}, h("tr", {}, ["", "Version", "Stage", "Aliases", "Status", "Source", "Run", "Created by", "Created", "Updated", "Metrics"].map((t) => h("th", { scope: "col" }, t)))),
        versionsBody)),
      versions.nav, h("p", {}, compare, h("span", { class: "muted", role: "status" }))),
    h("section", { "aria-labelledby": "timeline" }, h("h2", { id: "timeline" }, "Timeline"), stateAtForm(name), timeline, history.nav));
  await Promise.all([versions.show(0), history.show(0)]);
}
