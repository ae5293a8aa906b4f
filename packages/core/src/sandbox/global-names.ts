// The names of the globals polyfills.ts makes on first use; harden.ts pins them with the others.

/** The names of the stream globals. */
export const STREAM_GLOBALS = [
  "ReadableStream",
  "ReadableStreamDefaultReader",
  "ReadableStreamDefaultController",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "WritableStreamDefaultController",
  "TransformStream",
  "TransformStreamDefaultController",
  "TextEncoderStream",
  "TextDecoderStream",
  "CountQueuingStrategy",
  "ByteLengthQueuingStrategy",
] as const;
/** URL, Headers, text coding: made on first use too. */
export const WEB_GLOBALS = [
  "URL",
  "URLSearchParams",
  "Headers",
  "TextEncoder",
  "TextDecoder",
  "atob",
  "btoa",
] as const;
