// Pieces the model and version pages share: the caller's level, inline editors, the history list.
import { MLFLOW, SMR, get, post, call } from "../api.js";
import { errorBox, h, localTime, markdown } from "../dom.js";

export const LEVELS = { READ: 1, EDIT: 2, MANAGE: 3 };

/** The caller's effective level on the model ("READ", "EDIT", "MANAGE"); the server still checks every action. */
export async function callerLevel(name) {
  const answer = await get(`${SMR}/permissions/get`, { name });
  return (answer.caller && answer.caller.level) || "READ";
}

export const may = (level, needed) => (LEVELS[level] || 0) >= LEVELS[needed];

/** A form whose submit runs `action` and shows its error next to it; re-renders on success. */
export function actionForm(label, fields, action, onDone, attrs = {}) {
  const status = h("p", { class: "status", role: "status" });
  const form = h("form", { class: "action", "aria-label": label, ...attrs }, fields, h("button", { type: "submit" }, label), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.replaceChildren("Working…");
    try {
      await action(new FormData(form));
      status.replaceChildren("Done.");
      await onDone();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  });
  return form;
}

export function descriptionBlock(text, canEdit, save, onDone) {
  const shown = h("div", { class: "description" }, text ? markdown(text) : h("p", { class: "muted" }, "No description."));
  if (!canEdit) return shown;
  const editor = h("details", {}, h("summary", {}, "Edit description"),
    actionForm("Save description", h("textarea", { name: "description", rows: 5, "aria-label": "Description" }, text || ""),
      (data) => save(String(data.get("description"))), onDone));
  return h("div", {}, shown, editor);
}

export function tagsBlock(tags, canEdit, setTag, deleteTag, onDone) {
  const remove = async (event, key) => {
    try {
      await deleteTag(key);
      await onDone();
    } catch (error) {
      event.target.after(errorBox(error));
    }
  };
  const items = (tags || []).map((tag) => h("li", {}, h("span", { class: "tag" }, `${tag.key}=${tag.value}`),
    canEdit ? h("button", { type: "button", class: "small", "aria-label": `Delete tag ${tag.key}`, onclick: (event) => remove(event, tag.key) }, "×") : null));
  return h("div", {}, h("ul", { class: "taglist" }, items.length ? items : h("li", { class: "muted" }, "No tags.")),
    canEdit ? actionForm("Set tag", [h("input", { name: "key", placeholder: "key", required: true, "aria-label": "Tag key" }),
      h("input", { name: "value", placeholder: "value", "aria-label": "Tag value" })],
      (data) => setTag(String(data.get("key")), String(data.get("value"))), onDone, { class: "action inline" }) : null);
}

export function historyText(record) {
  if (record.subject === "alias") {
    const from = record.from_version ? `v${record.from_version}` : "unset";
    const to = record.to_version ? `v${record.to_version}` : "unset";
    return `@${record.alias}: ${from} → ${to}`;
  }
  return `v${record.version}: ${record.from_stage ?? "—"} → ${record.to_stage ?? "deleted"}`;
}

export function historyItem(record) {
  return h("li", {},
    h("time", { datetime: new Date(record.timestamp).toISOString() }, localTime(record.timestamp)), " ",
    h("strong", {}, historyText(record)), " ",
    h("span", { class: "muted" }, `by ${record.principal || "?"}`),
    record.reason ? h("span", { class: "muted" }, ` (${record.reason})`) : null,
    record.comment ? h("q", {}, record.comment) : null);
}

export const api = {
  updateModel: (name, description) => call("PATCH", `${MLFLOW}/registered-models/update`, { name, description }),
  setModelTag: (name, key, value) => post(`${MLFLOW}/registered-models/set-tag`, { name, key, value }),
  deleteModelTag: (name, key) => call("DELETE", `${MLFLOW}/registered-models/delete-tag`, { name, key }),
  updateVersion: (name, version, description) => call("PATCH", `${MLFLOW}/model-versions/update`, { name, version, description }),
  setVersionTag: (name, version, key, value) => post(`${MLFLOW}/model-versions/set-tag`, { name, version, key, value }),
  deleteVersionTag: (name, version, key) => call("DELETE", `${MLFLOW}/model-versions/delete-tag`, { name, version, key }),
};

