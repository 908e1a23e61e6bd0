// The few DOM shapes the page uses. The project's typecheck runs without the DOM library (it clashes with
// bun-types), so the page declares what it touches here and reaches the browser's globals through them.

/** A DOM event, as far as the page reads it. */
export interface Ev {
  preventDefault(): void;
  key?: string;
}

/** A DOM element, as far as the page uses it. */
export interface El {
  id: string;
  textContent: string | null;
  className: string;
  hidden: boolean;
  value: string;
  checked: boolean;
  disabled: boolean;
  readonly children: ArrayLike<El>;
  append(...nodes: (El | string)[]): void;
  prepend(...nodes: (El | string)[]): void;
  replaceChildren(...nodes: (El | string)[]): void;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  addEventListener(type: string, listener: (event: Ev) => void): void;
  querySelector(selector: string): El | null;
  focus(): void;
  remove(): void;
}

interface Doc {
  createElement(tag: string): El;
  getElementById(id: string): El | null;
  querySelector(selector: string): El | null;
}

interface Win {
  location: { hash: string };
  addEventListener(type: string, listener: () => void): void;
}

/** A server-sent event stream. */
export interface Source {
  onmessage: ((event: { data: string }) => void) | null;
  onopen: (() => void) | null;
  close(): void;
}

const browser = globalThis as unknown as {
  document: Doc;
  window: Win;
  EventSource: new (url: string) => Source;
};

export const doc: Doc = browser.document;
export const win: Win = browser.window;

/** Opens an event stream on this origin. */
export function openEvents(url: string): Source {
  return new browser.EventSource(url);
}

type Prop = string | number | boolean | undefined | ((event: Ev) => void);
type Child = El | string | number | null | undefined | false;

/** An element with attributes (`on…` ones are listeners, `class` the class name) and children. */
export function h(tag: string, props: Record<string, Prop> = {}, ...children: (Child | Child[])[]): El {
  const el = doc.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = String(value);
    else if (name === "value") el.value = String(value);
    else if (name === "checked") el.checked = value === true;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "number" ? String(child) : child);
  }
  return el;
}
