// Copyright 2026 the framewire authors. MIT license.
// The only way the app builds DOM: elements with text set through
// `textContent` and attributes through `setAttribute`. Nothing here (or
// anywhere in the app) assigns `innerHTML`, so text from other users can
// never become markup, whatever it holds.
/// <reference lib="dom" />

/** What {@linkcode el} sets on a new element. */
export interface ElementProps {
  /** Space-separated class names. */
  readonly class?: string;
  /** Text content (always text, never parsed as HTML). */
  readonly text?: string;
  /** Attributes, set with `setAttribute` (never `on*` handlers). */
  readonly attrs?: Readonly<Record<string, string>>;
  /** Event listeners. */
  readonly on?: Readonly<Record<string, (event: Event) => void>>;
}

/** Creates an element with `props` and `children`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  children: readonly (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class !== undefined) node.className = props.class;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    // Inline handlers would be refused by the CSP anyway; refuse them here
    // too, so that a mistake shows up in development, not as a hole.
    if (/^on/i.test(name)) throw new Error(`el: no inline handler ${name}`);
    node.setAttribute(name, value);
  }
  for (const [type, listener] of Object.entries(props.on ?? {})) {
    node.addEventListener(type, listener);
  }
  if (props.text !== undefined) node.textContent = props.text;
  for (const child of children) {
    node.append(
      typeof child === "string" ? document.createTextNode(child) : child,
    );
  }
  return node;
}

/** Looks up an element of the page by id; throws if it is missing. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`missing #${id}`);
  return node as T;
}

/** Removes every child of `node`. */
export function clear(node: Node): void {
  while (node.firstChild !== null) node.firstChild.remove();
}

/** `hh:mm` of a timestamp, in the browser's locale and time zone. */
export function clockTime(ts: number): string {
  return new Date(ts).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** A date and time for a tooltip. */
export function fullTime(ts: number): string {
  return new Date(ts).toLocaleString();
}
