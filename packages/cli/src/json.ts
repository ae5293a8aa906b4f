/** Makes values JSON cannot hold readable: BigInt, Map, Set, Error and typed arrays. */
export function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...v];
  if (v instanceof Error) return { name: v.name, message: v.message };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
  return v;
}

/** JSON for people: Map, Set, BigInt, Error and typed arrays print as something readable. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (key, v) => jsonReplacer(key, v) ?? null, 2) ?? "null";
}

/** The same conversion as a JSON value (for embedding in an API answer); `undefined` becomes `null`. */
export function toJsonValue(value: unknown): unknown {
  const text = JSON.stringify(value, jsonReplacer);
  return text === undefined ? null : JSON.parse(text);
}
