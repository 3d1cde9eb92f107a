// Paging by the server's page tokens: a stack of the tokens seen, so Previous goes back without loading everything.
import { errorBox, h } from "./dom.js";

export class Pager {
  /** `load(token)` returns {items, next}; `render(items)` draws them. */
  constructor(load, render, label) {
    this.load = load;
    this.render = render;
    this.label = label;
    this.tokens = [""];
    this.next = null;
    this.nav = h("nav", { class: "pager", "aria-label": label });
  }

  async show(index = 0) {
    const { items, next } = await this.load(this.tokens[index] || undefined);
    this.index = index;
    this.next = next || null;
    if (this.next && this.tokens.length === index + 1) this.tokens.push(this.next);
    this.render(items);
    this.nav.replaceChildren(
      h("button", { type: "button", disabled: index === 0, onclick: () => this.go(index - 1) }, "Previous"),
      h("span", { class: "muted" }, ` page ${index + 1} `),
      h("button", { type: "button", disabled: !this.next, onclick: () => this.go(index + 1) }, "Next"),
    );
  }

  go(index) {
    this.show(index).catch((error) => this.nav.append(errorBox(error)));
  }
}
