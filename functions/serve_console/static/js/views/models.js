// Models: MLflow filter grammar, quick filters, sort, pages by token.
import { MLFLOW, get } from "../api.js";
import { errorBox, h, localTime, quoted, replace, tagList } from "../dom.js";
import { Pager } from "../pager.js";

export const PAGE_SIZE = 25;
const SORTS = { "last_updated_timestamp DESC": "Last updated", "name ASC": "Name A→Z", "name DESC": "Name Z→A" };

function filterOf(params) {
  const clauses = [];
  if (params.get("q")) clauses.push(params.get("q"));
  if (params.get("name")) clauses.push(`name ILIKE ${quoted(`%${params.get("name")}%`)}`);
  if (params.get("tag")) {
    const [key, ...value] = params.get("tag").split("=");
    clauses.push(value.length ? `tags.\`${key}\` = ${quoted(value.join("="))}` : `tags.\`${key}\` LIKE '%'`);
  }
  return clauses.join(" AND ");
}

function versionIn(model, stage) {
  const version = (model.latest_versions || []).find((candidate) => candidate.current_stage === stage);
  return version ? h("a", { href: `#/models/${encodeURIComponent(model.name)}/versions/${version.version}` }, `v${version.version}`) : "—";
}

// Stage and alias are not in MLflow's grammar for models: these two narrow the page the server returned.
function keep(model, params) {
  if (params.get("stage") && !(model.latest_versions || []).some((v) => v.current_stage === params.get("stage"))) return false;
  if (params.get("alias") === "any" && !(model.aliases || []).length) return false;
  return true;
}

function row(model) {
  const href = `#/models/${encodeURIComponent(model.name)}`;
  const summary = (model.description || "").split("\n")[0];
  return h("tr", {},
    h("td", {}, h("a", { href }, model.name)),
    h("td", { class: "wrap" }, summary),
    h("td", {}, tagList(model.tags)),
    h("td", {}, versionIn(model, "Staging")),
    h("td", {}, versionIn(model, "Production")),
    h("td", {}, (model.aliases || []).map((a) => h("span", { class: "alias" }, `@${a.alias}→v${a.version}`))),
    h("td", {}, localTime(model.last_updated_timestamp)));
}

function searchForm(params) {
  const input = (name, label, attrs = {}) => h("label", {}, label, h("input", { name, value: params.get(name) || "", ...attrs }));
  const select = (name, label, options) => h("label", {}, label, h("select", { name },
    Object.entries(options).map(([value, text]) => h("option", { value, selected: (params.get(name) || "") === value }, text))));
  const form = h("form", { class: "search", role: "search", "aria-label": "Search models" },
    input("q", "Filter (MLflow grammar)", { placeholder: "name LIKE 'fraud%' AND tags.team = 'risk'", class: "wide", id: "filter" }),
    input("name", "Name contains"), input("tag", "Tag", { placeholder: "key or key=value" }),
    select("stage", "Has a version in", { "": "any stage", Staging: "Staging", Production: "Production" }),
    select("alias", "Aliases", { "": "any", any: "has an alias" }),
    select("order", "Sort", SORTS),
    h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) next.set(key, String(value));
    location.hash = `#/models?${next}`;
  });
  return form;
}

export async function showModels(main, params) {
  const body = h("tbody");
  const note = h("p", { class: "muted", role: "status" });
  const pager = new Pager(
    async (token) => {
      const answer = await get(`${MLFLOW}/registered-models/search`, {
        filter: filterOf(params), max_results: PAGE_SIZE, order_by: params.get("order") || "last_updated_timestamp DESC", page_token: token,
      });
      return { items: answer.registered_models || [], next: answer.next_page_token };
    },
    (models) => {
      const shown = models.filter((model) => keep(model, params));
      replace(body, shown.map(row));
      note.textContent = shown.length ? `${shown.length} model(s) on this page` + (shown.length < models.length ? ` (of ${models.length}: stage and alias filters narrow the page)` : "") : "No model on this page.";
    },
    "Model pages");
  replace(main, h("h1", {}, "Models"), searchForm(params), note,
    h("div", { class: "scroll" }, h("table", { "aria-label": "Models" },
      h("thead", {}, h("tr", {}, ["Name", "Description", "Tags", "Staging", "Production", "Aliases", "Last updated"].map((t) => h("th", { scope: "col" }, t)))),
      body)), pager.nav);
  try {
    await pager.show(0);
  } catch (error) {
    note.replaceWith(errorBox(error));
  }
}

