import path from "node:path";
import { type TransformMode, type TransformOptions, transform } from "../src/index.js";

/** A fake absolute root: it must never show up in any output. */
export const ROOT = "/virtual/project";
export const MODES: readonly TransformMode[] = ["client", "workflow", "step"];

export function compile(
  code: string,
  relFile: string,
  mode: TransformMode,
  extra: Partial<TransformOptions> = {},
) {
  return transform(code, { filename: path.posix.join(ROOT, relFile), root: ROOT, mode, ...extra });
}
