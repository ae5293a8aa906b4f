import * as streams from "./index.js";

/**
 * The stream globals by name, their classes named as the standard ones. One function,
 * not the index's dozen exports: polyfills.ts requires this lazily, and a required
 * module's exports object is built in every realm, used or not.
 */
export function streamGlobalValues(): Record<string, unknown> {
  const values: Record<string, Function> = {
    ReadableStream: streams.SandboxReadableStream,
    ReadableStreamDefaultReader: streams.SandboxReadableStreamDefaultReader,
    ReadableStreamDefaultController: streams.SandboxReadableStreamDefaultController,
    WritableStream: streams.SandboxWritableStream,
    WritableStreamDefaultWriter: streams.SandboxWritableStreamDefaultWriter,
    WritableStreamDefaultController: streams.SandboxWritableStreamDefaultController,
    TransformStream: streams.SandboxTransformStream,
    TransformStreamDefaultController: streams.SandboxTransformStreamDefaultController,
    TextEncoderStream: streams.SandboxTextEncoderStream,
    TextDecoderStream: streams.SandboxTextDecoderStream,
    CountQueuingStrategy: streams.SandboxCountQueuingStrategy,
    ByteLengthQueuingStrategy: streams.SandboxByteLengthQueuingStrategy,
  };
  for (const [name, ctor] of Object.entries(values)) Object.defineProperty(ctor, "name", { value: name });
  return values;
}
