// A run (MLflow's #/experiments/<id>/runs/<run_id> links): params, metrics with their history, tags, logged models.
import { MLFLOW, get } from "../api.js";
import { h, localTime, quoted, replace, table } from "../dom.js";
import { lineChart } from "../chart.js";

const HISTORY_POINTS = 1000;
// A chart per metric, for the first few; a run logging hundreds of metrics shows the rest as a table.
const MAX_CHARTS = 24;

export async function showRun(main, _experimentId, runId) {
  const run = (await get(`${MLFLOW}/runs/get`, { run_id: runId })).run;
  const info = run.info || {};
  const data = run.data || {};
  const metrics = data.metrics || [];
  const histories = await Promise.all(metrics.slice(0, MAX_CHARTS).map(async (metric) => {
    const answer = await get(`${MLFLOW}/metrics/get-history`, { run_id: runId, metric_key: metric.key, max_results: HISTORY_POINTS }).catch(() => ({ metrics: [] }));
    return [metric, answer.metrics || []];
  }));
  const modelIds = ((run.outputs && run.outputs.model_outputs) || []).map((output) => output.model_id);
  const [logged, registered] = await Promise.all([
    Promise.all(modelIds.map((id) => get(`${MLFLOW}/logged-models/${encodeURIComponent(id)}`).then((a) => a.model).catch(() => ({ info: { model_id: id } })))),
    get(`${MLFLOW}/model-versions/search`, { filter: `run_id=${quoted(runId)}`, max_results: 50 }).then((a) => a.model_versions || []).catch(() => []),
  ]);
  replace(main,
    h("p", { class: "crumbs" }, h("a", { href: "#/models" }, "Models"), ` / experiment ${info.experiment_id} /`),
    h("h1", {}, `Run ${info.run_name || runId}`),
    h("dl", { class: "meta" }, [["Run id", runId], ["Status", info.status], ["Started", localTime(info.start_time)], ["Ended", localTime(info.end_time)], ["User", info.user_id]]
      .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v || "—")])),
    h("section", { "aria-labelledby": "rparams" }, h("h2", { id: "rparams" }, "Params"),
      table(["Param", "Value"], (data.params || []).map((p) => h("tr", {}, h("td", {}, p.key), h("td", { class: "mono" }, p.value))))),
    h("section", { "aria-labelledby": "rmetrics" }, h("h2", { id: "rmetrics" }, "Metrics"),
      h("div", { class: "charts" }, histories.map(([metric, points]) => h("figure", {}, lineChart(metric.key, points.length ? points : [metric]),
        h("figcaption", {}, `${metric.key} = ${metric.value}`)))),
      metrics.length > MAX_CHARTS ? table(["Metric", "Latest"], metrics.slice(MAX_CHARTS).map((m) => h("tr", {}, h("td", {}, m.key), h("td", { class: "mono" }, m.value)))) : null),
    h("section", { "aria-labelledby": "rtags" }, h("h2", { id: "rtags" }, "Tags"),
      table(["Tag", "Value"], (data.tags || []).filter((t) => !t.key.startsWith("mlflow.log-model.history")).map((t) => h("tr", {}, h("td", {}, t.key), h("td", { class: "mono wrap" }, t.value))))),
    h("section", { "aria-labelledby": "rmodels" }, h("h2", { id: "rmodels" }, "Logged models"),
      h("ul", {}, logged.map((m) => h("li", {}, `${(m.info && m.info.name) || "model"} (${m.info && m.info.model_id})`))),
      h("h3", {}, "Registered versions"),
      h("ul", {}, registered.map((v) => h("li", {}, h("a", { href: `#/models/${encodeURIComponent(v.name)}/versions/${v.version}` }, `${v.name} version ${v.version}`))))));
}
