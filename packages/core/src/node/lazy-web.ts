// What the lazy Request (lazy-request.ts) and the lazy Response (lazy-response.ts) share: a
// prototype over the Web class's own, whose cheap members the lazy kind answers itself and
// whose every other member is forwarded to a real instance, made on first use.

/** Defines a member on a lazy prototype (not enumerable, as the Web classes' are) and notes it as the lazy kind's own. */
export type DefineMember = (name: PropertyKey, descriptor: PropertyDescriptor) => void;

/**
 * Puts `Real.prototype` under `proto` (so `instanceof Real` holds) and returns how to define
 * the lazy kind's own members on it. Then {@link forwardTheRest} forwards everything else.
 */
export function lazyPrototype(
  proto: object,
  Real: { prototype: object },
): { define: DefineMember; own: Set<PropertyKey> } {
  Object.setPrototypeOf(proto, Real.prototype);
  const own = new Set<PropertyKey>([Symbol.toStringTag]);
  const define: DefineMember = (name, descriptor) => {
    own.add(name);
    Object.defineProperty(proto, name, { configurable: true, enumerable: false, ...descriptor });
  };
  // `x.constructor` is the Web class, as for any other instance.
  define("constructor", { value: Real, writable: true });
  return { define, own };
}

/**
 * Forwards every member of `Real.prototype`, and every symbol an instance (`sample`) holds
 * (undici keeps its state under symbols, which `new Request(r)` and its brand checks read),
 * that is not in `own` to `realOf(this)`: getters stay getters, methods stay methods.
 */
export function forwardTheRest<T>(
  define: DefineMember,
  own: Set<PropertyKey>,
  Real: { prototype: object },
  sample: object,
  realOf: (lazy: T) => object,
): void {
  const names: PropertyKey[] = [...Reflect.ownKeys(Real.prototype), ...Object.getOwnPropertySymbols(sample)];
  for (const name of names) {
    if (own.has(name)) continue;
    const descriptor =
      Object.getOwnPropertyDescriptor(Real.prototype, name) ?? Object.getOwnPropertyDescriptor(sample, name);
    if (descriptor?.get || !descriptor || !(typeof descriptor.value === "function")) {
      define(name, {
        get(this: T) {
          return (realOf(this) as Record<PropertyKey, unknown>)[name];
        },
      });
    } else {
      define(name, {
        writable: true,
        value(this: T, ...args: unknown[]) {
          const real = realOf(this) as Record<PropertyKey, (...a: unknown[]) => unknown>;
          return real[name]!(...args);
        },
      });
    }
  }
}

/** Fast body readers of the lazy kinds: what each makes of the whole body's bytes. */
const BODY_READERS: Record<string, (bytes: Uint8Array) => unknown> = {
  text: (bytes) => new TextDecoder().decode(bytes),
  json: (bytes) => JSON.parse(new TextDecoder().decode(bytes)),
  // Copies of exactly the body (a Buffer a body parser kept may view a larger, shared one).
  arrayBuffer: (bytes) => new Uint8Array(bytes).buffer,
  bytes: (bytes) => new Uint8Array(bytes),
};

/**
 * Defines `text()`, `json()`, `arrayBuffer()` and `bytes()` (those `Real` has) from the bytes
 * `consume(this)` gives, without a Web stream; where it gives undefined (the real instance
 * exists), the real one reads.
 */
export function defineBodyReaders<T>(
  define: DefineMember,
  Real: { prototype: object },
  consume: (lazy: T) => Promise<Uint8Array> | undefined,
  realOf: (lazy: T) => object,
): void {
  for (const [name, decode] of Object.entries(BODY_READERS)) {
    if (typeof (Real.prototype as Record<string, unknown>)[name] !== "function") continue;
    define(name, {
      writable: true,
      value(this: T) {
        const bytes = consume(this);
        if (bytes) return bytes.then(decode);
        return (realOf(this) as Record<string, () => unknown>)[name]!();
      },
    });
  }
}

/** The error a second read of a body gets, as from a Web Request or Response. */
export function unusable(): TypeError {
  return new TypeError("Body is unusable: the body was already read.");
}
