// A version: metadata, metrics, params, files, URIs, and the actions the caller's level allows.
import { MLFLOW, SMR, call, get, hasPromoteRoute, post } from "../api.js";
import { bytes, copyable, h, localTime, replace, stageBadge, table } from "../dom.js";
import { evaluate } from "../policy.js";
import { actionForm, api, callerLevel, descriptionBlock, historyItem, may, tagsBlock } from "./common.js";

const STAGES = ["None", "Staging", "Production", "Archived"];
// The usual next step from each stage, offered first.
const NEXT_STAGE = { None: "Staging", Staging: "Production", Production: "Archived", Archived: "Staging" };

/** Files by folder, as nested <details>, each file with its size, SHA-256 and a presigned download link. */
export function fileTree(files) {
  const root = { folders: new Map(), files: [] };
  for (const file of files) {
    const parts = file.path.split("/");
    let node = root;
    for (const part of parts.slice(0, -1)) {
      if (!node.folders.has(part)) node.folders.set(part, { folders: new Map(), files: [] });
      node = node.folders.get(part);
    }
    node.files.push({ ...file, leaf: parts[parts.length - 1] });
  }
  const render = (node) => h("ul", { class: "tree" },
    [...node.folders].sort().map(([folder, child]) => h("li", {}, h("details", { open: true }, h("summary", {}, `${folder}/`), render(child)))),
    node.files.map((file) => h("li", {},
      file.url ? h("a", { href: file.url, download: file.leaf, rel: "noopener noreferrer" }, file.leaf) : file.leaf,
      " ", h("span", { class: "muted" }, bytes(file.size)), " ", h("code", { class: "sha", title: "SHA-256" }, file.sha256 || ""))));
  return render(root);
}

function verdictList(results) {
  if (!results.length) return h("p", { class: "muted verdict" }, "No promotion policy rule for this target.");
  return h("ul", { class: "verdict", "aria-label": "Promotion policy verdict" },
    results.map((result) => h("li", { class: result.passed ? "pass" : "fail" }, result.passed ? "✓ " : "✗ ", result.text)));
}

function transitionForm(name, version, policy, entered, reload) {
  const verdict = h("div", { class: "verdict-box" });
  const select = h("select", { name: "stage", "aria-label": "Target stage" }, STAGES.filter((s) => s !== version.current_stage).map((s) => h("option", { value: s, selected: s === NEXT_STAGE[version.current_stage] }, s)));
  const update = () => replace(verdict, verdictList(evaluate(policy, `stage:${select.value}`, version, entered)));
  select.addEventListener("change", update);
  update();
  const form = actionForm("Transition", [h("label", {}, "Move to ", select),
    h("input", { name: "comment", placeholder: "comment (kept in the history)", "aria-label": "Comment" }), verdict],
  async (data) => {
    const body = { name, version: version.version, stage: data.get("stage"), comment: data.get("comment") || undefined, archive_existing_versions: true };
    if (await hasPromoteRoute()) await post(`${SMR}/model-versions/promote`, body);
    else await post(`${MLFLOW}/model-versions/transition-stage`, body);
  }, reload);
  return form;
}

function aliasForm(name, version, model, policy, reload) {
  const verdict = h("div");
  const input = h("input", { name: "alias", required: true, placeholder: "champion", "aria-label": "Alias" });
  // What the alias pointed to when this page was drawn: a move made since then gets a 409, not an overwrite.
  const seen = new Map((model.aliases || []).map((a) => [a.alias, a.version]));
  const update = () => replace(verdict, input.value ? verdictList(evaluate(policy, `alias:${input.value}`, version, new Set())) : "");
  input.addEventListener("input", update);
  return actionForm("Set alias", [h("label", {}, "Point alias ", input, ` at version ${version.version}`), verdict],
    (data) => post(`${MLFLOW}/registered-models/alias`, {
      name, alias: String(data.get("alias")), version: version.version, expected_version: seen.get(String(data.get("alias"))) || "",
    }), reload);
}

function deleteForm(name, version) {
  return h("details", { class: "danger" }, h("summary", {}, "Delete this version…"),
    actionForm("Delete version", h("label", {}, `Type ${version.version} to confirm `,
      h("input", { name: "confirm", required: true, pattern: version.version, "aria-label": "Confirm version number" })),
    async () => call("DELETE", `${MLFLOW}/model-versions/delete`, { name, version: version.version }),
    async () => { location.hash = `#/models/${encodeURIComponent(name)}`; }));
}

function uris(name, version) {
  const uri = `models:/${name}/${version.version}`;
  return h("div", { class: "uris" },
    h("p", {}, copyable(uri)),
    (version.aliases || []).map((alias) => h("p", {}, copyable(`models:/${name}@${alias}`))),
    h("pre", {}, h("code", {}, `import mlflow\nmodel = mlflow.pyfunc.load_model(${JSON.stringify(uri)})\n`)));
}

export async function showVersion(main, name, number) {
  const [version, model, level, policy, history, files] = await Promise.all([
    get(`${MLFLOW}/model-versions/get`, { name, version: number }).then((a) => a.model_version),
    get(`${MLFLOW}/registered-models/get`, { name }).then((a) => a.registered_model),
    callerLevel(name),
    get(`${SMR}/registered-models/promotion-policy`, { name }).then((a) => a.policy).catch(() => null),
    get(`${SMR}/model-versions/history`, { name, version: number, order: "desc", max_results: 50 }).then((a) => a.records || []),
    get(`${SMR}/model-versions/download-urls`, { name, version: number }).then((a) => a.files || []).catch((error) => error),
  ]);
  const reload = () => showVersion(main, name, number);
  const entered = new Set(history.filter((r) => r.subject === "stage" && r.to_stage).map((r) => r.to_stage));
  const canEdit = may(level, "EDIT");
  const metrics = version.model_metrics || [];
  const params = version.model_params || [];
  const actions = canEdit ? h("section", { "aria-labelledby": "actions", class: "actions" }, h("h2", { id: "actions" }, "Actions"),
    transitionForm(name, version, policy, entered, reload),
    aliasForm(name, version, model, policy, reload),
    may(level, "MANAGE") ? deleteForm(name, version) : null) : null;
  replace(main,
    h("p", { class: "crumbs" }, h("a", { href: "#/models" }, "Models"), " / ", h("a", { href: `#/models/${encodeURIComponent(name)}` }, name), " /"),
    h("h1", {}, `${name} version ${version.version} `, stageBadge(version.current_stage), " ", h("span", { class: "level" }, level)),
    h("dl", { class: "meta" },
      [["Status", version.status], ["Source", version.source], ["Run", version.run_id ? h("a", { href: `#/experiments/-/runs/${encodeURIComponent(version.run_id)}` }, version.run_id) : "—"],
        ["Created by", version.user_id], ["Created", localTime(version.creation_timestamp)], ["Updated", localTime(version.last_updated_timestamp)],
        ["Aliases", (version.aliases || []).map((a) => `@${a}`).join(" ") || "—"]].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v || "—")])),
    h("section", { "aria-labelledby": "use" }, h("h2", { id: "use" }, "Use it"), uris(name, version)),
    actions,
    h("section", { "aria-labelledby": "desc" }, h("h2", { id: "desc" }, "Description"),
      descriptionBlock(version.description, canEdit, (text) => api.updateVersion(name, number, text), reload),
      h("h3", {}, "Tags"), tagsBlock(version.tags, canEdit, (k, v) => api.setVersionTag(name, number, k, v), (k) => api.deleteVersionTag(name, number, k), reload)),
    h("section", { "aria-labelledby": "metrics" }, h("h2", { id: "metrics" }, "Metrics and params"),
      metrics.length ? table(["Metric", "Value", "Step", "Dataset"], metrics.map((m) => h("tr", {}, h("td", {}, m.key), h("td", { class: "mono" }, String(m.value)), h("td", {}, m.step ?? ""), h("td", {}, m.dataset_name || "")))) : h("p", { class: "muted" }, "No metrics."),
      params.length ? table(["Param", "Value"], params.map((p) => h("tr", {}, h("td", {}, p.name), h("td", { class: "mono" }, p.value)))) : h("p", { class: "muted" }, "No params.")),
    h("section", { "aria-labelledby": "files" }, h("h2", { id: "files" }, "Files"),
      files instanceof Error ? h("p", { class: "muted" }, `No file manifest (${files.message}).`) : files.length ? fileTree(files) : h("p", { class: "muted" }, "No files.")),
    h("section", { "aria-labelledby": "vhistory" }, h("h2", { id: "vhistory" }, "History"),
      h("ol", { class: "timeline" }, history.length ? history.map(historyItem) : h("li", { class: "muted" }, "No change yet."))));
}

