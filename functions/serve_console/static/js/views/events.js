// Events: the webhooks that receive this registry's changes, and each one's delivery log.
import { MLFLOW, SMR, get } from "../api.js";
import { errorBox, h, localTime, replace, table } from "../dom.js";
import { Pager } from "../pager.js";

const PAGE = 20;

function deliveries(webhook) {
  const body = h("div");
  const pager = new Pager(async (token) => {
    const answer = await get(`${SMR}/webhooks/deliveries`, { webhook_id: webhook.webhook_id, max_results: PAGE, page_token: token });
    return { items: answer.deliveries || [], next: answer.next_page_token };
  }, (items) => replace(body, table(["When", "Event", "Attempt", "Status", "Final", "Error"], items.map((d) => h("tr", { class: d.success ? "" : "failed" },
    h("td", {}, localTime(d.timestamp || d.attempted_at)), h("td", {}, d.event_type || ""), h("td", {}, d.attempt ?? ""),
    h("td", {}, d.success ? `ok ${d.status_code ?? ""}` : `failed ${d.status_code ?? ""}`), h("td", {}, d.final ? "yes" : ""), h("td", { class: "wrap" }, d.error || ""))))),
  `Deliveries of ${webhook.name}`);
  pager.show(0).catch((error) => replace(body, errorBox(error)));
  return h("div", {}, body, pager.nav);
}

export async function showEvents(main, name) {
  const list = h("div");
  replace(main,
    h("p", { class: "crumbs" }, h("a", { href: "#/models" }, "Models"), " / ", h("a", { href: `#/models/${encodeURIComponent(name)}` }, name), " /"),
    h("h1", {}, `Events of ${name}`),
    h("p", { class: "muted" }, "Webhooks subscribe to the registry's events (MLflow 3 webhooks are registry-wide); each delivery attempt is logged."),
    list);
  try {
    const answer = await get(`${MLFLOW}/webhooks`, { max_results: 100 });
    const webhooks = answer.webhooks || [];
    replace(list, webhooks.length ? webhooks.map((webhook) => h("section", { class: "webhook" },
      h("h2", {}, webhook.name, " ", h("span", { class: "muted" }, webhook.status)),
      h("p", { class: "mono wrap" }, webhook.url),
      h("p", {}, (webhook.events || []).map((e) => h("span", { class: "tag" }, `${e.entity}.${e.action}`.toLowerCase()))),
      deliveries(webhook))) : h("p", { class: "muted" }, "No webhook."));
  } catch (error) {
    replace(list, errorBox(error));
  }
}
