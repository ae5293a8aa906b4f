// URL and URLSearchParams made in the sandbox realm. Parsing is the host's WHATWG
// parser, asked through the string-only bridge; the objects live here.
import { callHost } from "./bridge.js";
import type { URL_FIELDS as FIELDS } from "./protocol.js";

type Field = (typeof FIELDS)[number];
type Parts = Record<Field, string>;

function parse(input: string, base?: string): Parts | undefined {
  const answer = callHost("url", input, base === undefined ? "\u0000" : base);
  return answer ? (JSON.parse(answer) as Parts) : undefined;
}

function formEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}
function formDecode(s: string): string {
  const plus = s.replace(/\+/g, " ");
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  }
}

export class SandboxURLSearchParams {
  #list: [string, string][] = [];
  #onChange: ((search: string) => void) | undefined;

  constructor(init?: unknown, onChange?: (search: string) => void) {
    if (typeof init === "string" || init === undefined || init === null)
      this.#parseString(init ? `${init}` : "");
    else if (init instanceof SandboxURLSearchParams) this.#list = init.#list.map(([k, v]) => [k, v]);
    else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === "function") {
      for (const pair of init as Iterable<unknown>) {
        const [k, v, ...rest] = [...(pair as Iterable<unknown>)];
        if (rest.length > 0 || v === undefined)
          throw new TypeError("Each URLSearchParams pair needs two items.");
        this.#list[this.#list.length] = [`${k}`, `${v}`];
      }
    } else {
      for (const key of Object.keys(init as object))
        this.#list[this.#list.length] = [key, `${(init as Record<string, unknown>)[key]}`];
    }
    this.#onChange = onChange;
  }

  #parseString(s: string): void {
    this.#list = [];
    for (const part of (s.startsWith("?") ? s.slice(1) : s).split("&")) {
      if (!part) continue;
      const at = part.indexOf("=");
      const pair: [string, string] =
        at < 0 ? [formDecode(part), ""] : [formDecode(part.slice(0, at)), formDecode(part.slice(at + 1))];
      this.#list[this.#list.length] = pair;
    }
  }
  /** Used by URL when its search changes. */
  static reset(params: SandboxURLSearchParams, search: string): void {
    params.#parseString(search);
  }
  #changed(): void {
    this.#onChange?.(this.toString());
  }

  get size(): number {
    return this.#list.length;
  }
  append(name: string, value: string): void {
    this.#list[this.#list.length] = [`${name}`, `${value}`];
    this.#changed();
  }
  delete(name: string, value?: string): void {
    this.#list = this.#list.filter(([k, v]) => k !== `${name}` || (value !== undefined && v !== `${value}`));
    this.#changed();
  }
  get(name: string): string | null {
    return this.#list.find(([k]) => k === `${name}`)?.[1] ?? null;
  }
  getAll(name: string): string[] {
    return this.#list.filter(([k]) => k === `${name}`).map(([, v]) => v);
  }
  has(name: string, value?: string): boolean {
    return this.#list.some(([k, v]) => k === `${name}` && (value === undefined || v === `${value}`));
  }
  set(name: string, value: string): void {
    const at = this.#list.findIndex(([k]) => k === `${name}`);
    if (at < 0) this.#list[this.#list.length] = [`${name}`, `${value}`];
    else
      this.#list = this.#list
        .filter(([k], i) => i <= at || k !== `${name}`)
        .map((p, i) => (i === at ? [p[0], `${value}`] : p));
    this.#changed();
  }
  sort(): void {
    this.#list = this.#list
      .map((p, i) => [p, i] as const)
      .sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]))
      .map(([p]) => p);
    this.#changed();
  }
  forEach(fn: (value: string, key: string, params: SandboxURLSearchParams) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#list) fn.call(thisArg, v, k, this);
  }
  *entries(): IterableIterator<[string, string]> {
    for (const [k, v] of this.#list) yield [k, v];
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.#list) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.#list) yield v;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  toString(): string {
    return this.#list.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`).join("&");
  }
  get [Symbol.toStringTag](): string {
    return "URLSearchParams";
  }
}

export class SandboxURL {
  #parts: Parts;
  #params: SandboxURLSearchParams | undefined;

  constructor(input: unknown, base?: unknown) {
    const parts = parse(`${input}`, base === undefined ? undefined : `${base}`);
    if (!parts) throw new TypeError(`Invalid URL: ${`${input}`}`);
    this.#parts = parts;
  }
  static canParse(input: unknown, base?: unknown): boolean {
    return parse(`${input}`, base === undefined ? undefined : `${base}`) !== undefined;
  }
  #set(field: Field, value: unknown): void {
    const answer = callHost("url-set", this.#parts.href, JSON.stringify([field, `${value}`]));
    if (!answer) return;
    this.#parts = JSON.parse(answer) as Parts;
    if (this.#params && field !== "hash") SandboxURLSearchParams.reset(this.#params, this.#parts.search);
  }
  get searchParams(): SandboxURLSearchParams {
    this.#params ??= new SandboxURLSearchParams(this.#parts.search, (search) => this.#set("search", search));
    return this.#params;
  }
  get href(): string {
    return this.#parts.href;
  }
  set href(v: string) {
    const parts = parse(`${v}`);
    if (!parts) throw new TypeError(`Invalid URL: ${v}`);
    this.#parts = parts;
    if (this.#params) SandboxURLSearchParams.reset(this.#params, parts.search);
  }
  get origin(): string {
    return this.#parts.origin;
  }
  get protocol(): string {
    return this.#parts.protocol;
  }
  set protocol(v: string) {
    this.#set("protocol", v);
  }
  get username(): string {
    return this.#parts.username;
  }
  set username(v: string) {
    this.#set("username", v);
  }
  get password(): string {
    return this.#parts.password;
  }
  set password(v: string) {
    this.#set("password", v);
  }
  get host(): string {
    return this.#parts.host;
  }
  set host(v: string) {
    this.#set("host", v);
  }
  get hostname(): string {
    return this.#parts.hostname;
  }
  set hostname(v: string) {
    this.#set("hostname", v);
  }
  get port(): string {
    return this.#parts.port;
  }
  set port(v: string) {
    this.#set("port", v);
  }
  get pathname(): string {
    return this.#parts.pathname;
  }
  set pathname(v: string) {
    this.#set("pathname", v);
  }
  get search(): string {
    return this.#parts.search;
  }
  set search(v: string) {
    this.#set("search", v);
  }
  get hash(): string {
    return this.#parts.hash;
  }
  set hash(v: string) {
    this.#set("hash", v);
  }
  toString(): string {
    return this.#parts.href;
  }
  toJSON(): string {
    return this.#parts.href;
  }
  get [Symbol.toStringTag](): string {
    return "URL";
  }
}
