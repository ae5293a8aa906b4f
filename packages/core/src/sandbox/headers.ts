// Headers made in the sandbox realm (see bridge.ts for why nothing of the host's crosses).

const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkName(name: unknown): string {
  const n = `${name}`;
  if (!NAME.test(n)) throw new TypeError(`"${n}" is not a valid HTTP header name.`);
  return n.toLowerCase();
}
function normalize(value: unknown): string {
  return `${value}`.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
}

export class SandboxHeaders {
  #map = new Map<string, string[]>();

  constructor(init?: unknown) {
    if (init === undefined || init === null) return;
    if (init instanceof SandboxHeaders) {
      for (const [k, v] of init.#map) this.#map.set(k, [...v]);
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === "function") {
      for (const pair of init as Iterable<unknown>) {
        const [k, v, ...rest] = [...(pair as Iterable<unknown>)];
        if (rest.length > 0 || v === undefined)
          throw new TypeError("Each header pair needs a name and a value.");
        this.append(k as string, v as string);
      }
    } else if (typeof init === "object") {
      for (const key of Object.keys(init)) this.append(key, (init as Record<string, string>)[key]!);
    }
  }

  append(name: string, value: string): void {
    const key = checkName(name);
    const list = this.#map.get(key);
    if (list) list[list.length] = normalize(value);
    else this.#map.set(key, [normalize(value)]);
  }
  delete(name: string): void {
    this.#map.delete(checkName(name));
  }
  get(name: string): string | null {
    const list = this.#map.get(checkName(name));
    return list ? list.join(", ") : null;
  }
  getSetCookie(): string[] {
    return [...(this.#map.get("set-cookie") ?? [])];
  }
  has(name: string): boolean {
    return this.#map.has(checkName(name));
  }
  set(name: string, value: string): void {
    this.#map.set(checkName(name), [normalize(value)]);
  }
  forEach(fn: (value: string, key: string, headers: SandboxHeaders) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
  *entries(): IterableIterator<[string, string]> {
    for (const key of [...this.#map.keys()].sort()) {
      const list = this.#map.get(key)!;
      if (key === "set-cookie") for (const v of list) yield [key, v];
      else yield [key, list.join(", ")];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return "Headers";
  }
}
