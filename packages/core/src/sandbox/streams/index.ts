export {
  SandboxReadableStream,
  SandboxReadableStreamDefaultController,
  SandboxReadableStreamDefaultReader,
} from "./readable.js";
export { SandboxByteLengthQueuingStrategy, SandboxCountQueuingStrategy } from "./shared.js";
export {
  SandboxTextDecoderStream,
  SandboxTextEncoderStream,
  SandboxTransformStream,
  SandboxTransformStreamDefaultController,
} from "./transform.js";
export {
  SandboxWritableStream,
  SandboxWritableStreamDefaultController,
  SandboxWritableStreamDefaultWriter,
} from "./writable.js";
