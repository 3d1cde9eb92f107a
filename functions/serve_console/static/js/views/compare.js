// Two or more versions side by side: what differs in stage, metrics, params, tags and files.
import { MLFLOW, SMR, get } from "../api.js";
import { h, replace } from "../dom.js";

const MAX_COMPARED = 10;

function latestMetrics(version) {
  const values = new Map();
  for (const metric of version.model_metrics || []) values.set(metric.key, metric.value);
  return values;
}

function section(title, keys, valueOf, versions) {
  const rows = [...keys].sort().map((key) => {
    const values = versions.map((version) => valueOf(version, key));
    const differs = new Set(values.map((v) => String(v ?? ""))).size > 1;
    return h("tr", { class: differs ? "differs" : "" }, h("th", { scope: "row" }, key), values.map((v) => h("td", { class: "mono" }, v ?? "—")));
  });
  return [h("tr", { class: "group" }, h("th", { colspan: versions.length + 1, scope: "colgroup" }, title)), rows];
}

export async function showCompare(main, name, numbers) {
  const chosen = numbers.slice(0, MAX_COMPARED);
  const versions = await Promise.all(chosen.map(async (version) => {
    const [mv, files] = await Promise.all([
      get(`${MLFLOW}/model-versions/get`, { name, version }).then((a) => a.model_version),
      get(`${SMR}/model-versions/download-urls`, { name, version }).then((a) => a.files || []).catch(() => []),
    ]);
    return { ...mv, metrics: latestMetrics(mv), params: new Map((mv.model_params || []).map((p) => [p.name, p.value])),
      tagMap: new Map((mv.tags || []).map((t) => [t.key, t.value])), files: new Map(files.map((f) => [f.path, f.sha256])) };
  }));
  const keys = (field) => new Set(versions.flatMap((v) => [...v[field].keys()]));
  const onlyDiff = h("input", { type: "checkbox", id: "only-diff" });
  const tableElement = h("table", { class: "compare", "aria-label": "Compared versions" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), versions.map((v) => h("th", { scope: "col" },
      h("a", { href: `#/models/${encodeURIComponent(name)}/versions/${v.version}` }, `Version ${v.version}`))))),
    h("tbody", {},
      section("Version", new Set(["stage", "status", "run", "created by", "aliases"]), (v, key) => ({
        stage: v.current_stage, status: v.status, run: v.run_id, "created by": v.user_id, aliases: (v.aliases || []).join(" "),
      })[key], versions),
      section("Metrics", keys("metrics"), (v, key) => v.metrics.get(key), versions),
      section("Params", keys("params"), (v, key) => v.params.get(key), versions),
      section("Tags", keys("tagMap"), (v, key) => v.tagMap.get(key), versions),
      section("Files (SHA-256)", keys("files"), (v, key) => (v.files.get(key) || "").slice(0, 12) || undefined, versions)));
  onlyDiff.addEventListener("change", () => tableElement.classList.toggle("only-diff", onlyDiff.checked));
  replace(main,
    h("p", { class: "crumbs" }, h("a", { href: "#/models" }, "Models"), " / ", h("a", { href: `#/models/${encodeURIComponent(name)}` }, name), " /"),
    h("h1", {}, `Compare ${name}: ${chosen.map((v) => `v${v}`).join(", ")}`),
    h("p", {}, h("label", { for: "only-diff" }, onlyDiff, " Only what differs")),
    h("div", { class: "scroll" }, tableElement));
}
