// TextEncoder, TextDecoder, atob and btoa made in the sandbox realm: the host's
// versions would carry the host's Function constructor into workflow code.

function encodeUtf8(input: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    let c = input.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < input.length) {
      const d = input.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate
    if (c < 0x80) out[out.length] = c;
    else if (c < 0x800) {
      out[out.length] = 0xc0 | (c >> 6);
      out[out.length] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[out.length] = 0xe0 | (c >> 12);
      out[out.length] = 0x80 | ((c >> 6) & 63);
      out[out.length] = 0x80 | (c & 63);
    } else {
      out[out.length] = 0xf0 | (c >> 18);
      out[out.length] = 0x80 | ((c >> 12) & 63);
      out[out.length] = 0x80 | ((c >> 6) & 63);
      out[out.length] = 0x80 | (c & 63);
    }
  }
  return new Uint8Array(out);
}

function decodeUtf8(bytes: Uint8Array, fatal: boolean): string {
  let out = "";
  let i = 0;
  const bad = () => {
    if (fatal) throw new TypeError("The encoded data was not valid utf-8.");
    out += "\ufffd";
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need = 0;
    let c = 0;
    let min = 0;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (b >= 0xc2 && b <= 0xdf) [need, c, min] = [1, b & 0x1f, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, c, min] = [2, b & 0x0f, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, c, min] = [3, b & 0x07, 0x10000];
    else {
      bad();
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need; j++) {
      const n = bytes[i + j];
      if (n === undefined || (n & 0xc0) !== 0x80) break;
      c = (c << 6) | (n & 63);
    }
    if (j <= need || c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
      bad();
      i += Math.max(1, j);
      continue;
    }
    out += String.fromCodePoint(c);
    i += need + 1;
  }
  return out;
}

/** How many bytes at the end start a UTF-8 sequence that the next chunk completes. */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

function toBytes(input: unknown): Uint8Array {
  if (input === undefined) return new Uint8Array(0);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError("TextDecoder.decode() takes an ArrayBuffer or an ArrayBufferView.");
}

export class SandboxTextEncoder {
  get encoding(): string {
    return "utf-8";
  }
  encode(input = ""): Uint8Array {
    return encodeUtf8(`${input}`);
  }
  encodeInto(input: string, dest: Uint8Array): { read: number; written: number } {
    const bytes = encodeUtf8(`${input}`);
    const written = Math.min(bytes.length, dest.length);
    dest.set(bytes.subarray(0, written));
    return {
      read: written === bytes.length ? input.length : decodeUtf8(bytes.subarray(0, written), false).length,
      written,
    };
  }
  get [Symbol.toStringTag](): string {
    return "TextEncoder";
  }
}

export class SandboxTextDecoder {
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  constructor(label = "utf-8", options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const name = `${label}`.trim().toLowerCase();
    if (name !== "utf-8" && name !== "utf8" && name !== "unicode-1-1-utf-8") {
      throw new RangeError(
        `TextDecoder in workflow code decodes utf-8 only, not "${label}". Decode in a step.`,
      );
    }
    this.fatal = options.fatal === true;
    this.ignoreBOM = options.ignoreBOM === true;
  }
  get encoding(): string {
    return "utf-8";
  }
  /** Bytes of a character split across chunks (`{ stream: true }`), kept for the next call. */
  private pending: Uint8Array = new Uint8Array(0);
  private started = false;
  decode(input?: unknown, options: { stream?: boolean } = {}): string {
    let bytes = toBytes(input);
    if (this.pending.length > 0) {
      const joined = new Uint8Array(this.pending.length + bytes.length);
      joined.set(this.pending);
      joined.set(bytes, this.pending.length);
      bytes = joined;
      this.pending = new Uint8Array(0);
    }
    if (!this.started && !this.ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
      bytes = bytes.subarray(3);
    if (options.stream === true) {
      if (bytes.length === 0) return "";
      this.started = true;
      const cut = incompleteTail(bytes);
      this.pending = bytes.slice(bytes.length - cut);
      bytes = bytes.subarray(0, bytes.length - cut);
    } else this.started = false;
    return decodeUtf8(bytes, this.fatal);
  }
  get [Symbol.toStringTag](): string {
    return "TextDecoder";
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function sandboxBtoa(data: unknown): string {
  const s = `${data}`;
  let out = "";
  for (let i = 0; i < s.length; i += 3) {
    const codes = [s.charCodeAt(i), s.charCodeAt(i + 1), s.charCodeAt(i + 2)];
    for (const c of codes) {
      if (c > 255) throw new DOMExceptionLike("Invalid character", "InvalidCharacterError");
    }
    const [a, b, c] = codes as [number, number, number];
    const n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < s.length ? B64[(n >> 6) & 63]! : "=";
    out += i + 2 < s.length ? B64[n & 63]! : "=";
  }
  return out;
}

export function sandboxAtob(data: unknown): string {
  let s = `${data}`.replace(/[\t\n\f\r ]/g, "");
  if (s.length % 4 === 0) s = s.replace(/==?$/, "");
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) {
    throw new DOMExceptionLike("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
  }
  let out = "";
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    acc = (acc << 6) | B64.indexOf(s[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 0xff);
    }
  }
  return out;
}

class DOMExceptionLike extends Error {
  constructor(message: string, name: string) {
    super(message);
    this.name = name;
  }
}
