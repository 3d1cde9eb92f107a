// Building the page from registry data without ever parsing it as HTML: every value becomes a text node.

const SAFE_URL = /^(https?:\/\/|#|\/(?!\/))/i;

/** An element: h("a", {href: "#/x", class: "c", onclick: fn}, "text", child, [more]). */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if ((name === "href" || name === "src") && !SAFE_URL.test(String(value))) continue;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
  return parent;
}

// Markdown, the small safe subset: paragraphs, # headings, - lists, **bold**, *em*, `code`, [text](http(s) url).
// Built node by node from text, so nothing in a description can become markup or script.
export function markdown(text) {
  const fragment = document.createDocumentFragment();
  let list = null;
  let paragraph = [];
  const flush = () => {
    if (paragraph.length) fragment.append(h("p", {}, inline(paragraph.join(" "))));
    paragraph = [];
  };
  for (const line of String(text || "").split(/\r?\n/)) {
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (heading) {
      flush(); list = null;
      fragment.append(h(`h${heading[1].length + 2}`, {}, inline(heading[2])));
    } else if (item) {
      flush();
      if (!list) { list = h("ul"); fragment.append(list); }
      list.append(h("li", {}, inline(item[1])));
    } else if (!line.trim()) {
      flush(); list = null;
    } else {
      list = null;
      paragraph.push(line.trim());
    }
  }
  flush();
  return fragment;
}

const INLINE = /(\*\*([^*]+)\*\*)|(`([^`]+)`)|(\*([^*]+)\*)|(\[([^\]]+)\]\((https?:\/\/[^\s)]+)\))/;

function inline(text) {
  const nodes = [];
  let rest = text;
  for (let guard = 0; rest && guard < 1000; guard += 1) {
    const match = INLINE.exec(rest);
    if (!match) { nodes.push(rest); break; }
    if (match.index) nodes.push(rest.slice(0, match.index));
    if (match[1]) nodes.push(h("strong", {}, match[2]));
    else if (match[3]) nodes.push(h("code", {}, match[4]));
    else if (match[5]) nodes.push(h("em", {}, match[6]));
    else nodes.push(h("a", { href: match[9], rel: "noopener noreferrer nofollow", target: "_blank" }, match[8]));
    rest = rest.slice(match.index + match[0].length);
  }
  return nodes;
}

export function localTime(ms) {
  if (ms === undefined || ms === null || ms === "") return "";
  const date = new Date(Number(ms));
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString();
}

export function bytes(size) {
  const n = Number(size);
  if (!Number.isFinite(n)) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return unit ? `${value.toFixed(1)} ${units[unit]}` : `${n} B`;
}

export function copyable(value, label = "Copy") {
  const button = h("button", { type: "button", class: "small", "aria-label": `${label}: ${value}` }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy";
    }
  });
  return h("span", { class: "copy" }, h("code", {}, value), " ", button);
}

export function table(headers, rows, attrs = {}) {
  return h("div", { class: "scroll" },
    h("table", attrs,
      h("thead", {}, h("tr", {}, headers.map((header) => h("th", { scope: "col" }, header)))),
      h("tbody", {}, rows)));
}

export function tagList(tags) {
  return h("span", { class: "tags" }, (tags || []).map((tag) => h("span", { class: "tag" }, `${tag.key}=${tag.value}`)));
}

export function stageBadge(stage) {
  return h("span", { class: `stage stage-${String(stage || "None").toLowerCase()}` }, stage || "None");
}

export function errorBox(error) {
  const code = error && error.code ? `${error.code}: ` : "";
  return h("p", { class: "error", role: "alert" }, code + (error && error.message ? error.message : String(error)));
}

/** MLflow's filter grammar has no escapes: quote with whichever quote the value does not contain. */
export function quoted(value) {
  return String(value).includes("'") ? `"${value}"` : `'${value}'`;
}
