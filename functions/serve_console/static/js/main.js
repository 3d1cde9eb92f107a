// The console's entry point: find out how to authenticate, then route MLflow-style hash URLs to views.
import { authState, get, useCookie, useCredentials, useOpen } from "./api.js";
import { errorBox, h, replace } from "./dom.js";
import { signInWithCognito } from "./cognito.js";
import { showCompare } from "./views/compare.js";
import { showEvents } from "./views/events.js";
import { showModel } from "./views/model.js";
import { showModels } from "./views/models.js";
import { showRun } from "./views/run.js";
import { showVersion } from "./views/version.js";

const main = () => document.getElementById("main");
const KEYS = "smr.console.keys";

// MLflow UI's routes first (links printed by the mlflow client), then the console's own.
const ROUTES = [
  [/^#\/models\/([^/?]+)\/versions\/([^/?]+)/, (m) => showVersion(main(), decodeURIComponent(m[1]), decodeURIComponent(m[2]))],
  [/^#\/models\/([^/?]+)\/events/, (m) => showEvents(main(), decodeURIComponent(m[1]))],
  [/^#\/models\/([^/?]+)/, (m) => showModel(main(), decodeURIComponent(m[1]))],
  [/^#\/compare\/([^/?]+)\?v=([^&]+)/, (m) => showCompare(main(), decodeURIComponent(m[1]), decodeURIComponent(m[2]).split(","))],
  [/^#\/experiments\/([^/?]+)\/runs\/([^/?]+)/, (m) => showRun(main(), decodeURIComponent(m[1]), decodeURIComponent(m[2]))],
  [/^#\/models(?:\?(.*))?$/, (m) => showModels(main(), new URLSearchParams(m[1] || ""))],
];

async function route() {
  const hash = location.hash || "#/models";
  const match = ROUTES.map(([pattern, view]) => [pattern.exec(hash), view]).find(([m]) => m);
  try {
    if (match) await match[1](match[0]);
    else replace(main(), h("h1", {}, "Not found"), h("p", {}, "No page for ", h("code", {}, hash)));
  } catch (error) {
    replace(main(), errorBox(error));
  }
  main().focus({ preventScroll: true });
}

function showWho() {
  const state = authState();
  const label = state.mode === "cookie" ? `signed in as ${state.user} (local)` :
    state.mode === "open" ? "authentication off" : `signed in as ${state.user}`;
  const out = h("button", { type: "button", class: "small", onclick: signOut }, "Sign out");
  replace(document.getElementById("who"), label, " ", state.mode === "cookie" || state.mode === "open" ? null : out);
}

function signOut() {
  sessionStorage.removeItem(KEYS);
  location.reload();
}

function keysForm(region) {
  const field = (label, name, type = "text") => h("label", {}, label, h("input", { name, type, required: name !== "token", autocomplete: "off" }));
  const form = h("form", { class: "signin", "aria-label": "Sign in with keys" },
    h("h1", {}, "Sign in"),
    h("p", {}, "Open the link that ", h("code", {}, "make run"), " printed, or sign requests with an access key (kept in this tab only)."),
    field("Access key id", "key"), field("Secret access key", "secret", "password"), field("Session token (optional)", "token", "password"),
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const keys = { accessKeyId: data.get("key"), secretAccessKey: data.get("secret"), sessionToken: data.get("token") || undefined, region };
    sessionStorage.setItem(KEYS, JSON.stringify(keys));
    start();
  });
  return form;
}

async function start() {
  const session = await get("/console/session").catch(() => ({ mode: "signin", region: "us-east-1" }));
  const stored = JSON.parse(sessionStorage.getItem(KEYS) || "null");
  if (session.mode === "cookie") useCookie(session.user, session.region);
  else if (session.mode === "open") useOpen();
  else if (stored) useCredentials("keys", stored, stored.region || session.region, stored.accessKeyId);
  else if (session.mode === "cognito") {
    const signedIn = await signInWithCognito(main(), session);
    if (!signedIn) return;
    useCredentials("cognito", signedIn.credentials, session.region, signedIn.user);
  } else {
    replace(main(), keysForm(session.region));
    return;
  }
  showWho();
  window.addEventListener("hashchange", route);
  await route();
}

start();
