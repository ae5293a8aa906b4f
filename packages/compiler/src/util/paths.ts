import path from "node:path";

/**
 * The file's path relative to `root` with POSIX separators. Ids, manifests,
 * diagnostics and source maps only ever contain this form so that the same
 * project compiled on two machines produces byte-identical output.
 */
export function relativeFile(filename: string, root: string): string {
  const windows = filename.includes("\\") || root.includes("\\");
  const p = windows ? path.win32 : path.posix;
  const abs = p.isAbsolute(filename) ? filename : p.join(root, filename);
  let rel = p.relative(root, abs);
  if (windows) rel = rel.split("\\").join("/");
  // A file on another drive has no relative form: keep the base name rather than leak a path.
  if (p.isAbsolute(rel)) rel = p.basename(abs);
  return rel;
}

/** The relative path without its last extension, as used inside ids. */
export function idPath(relFile: string): string {
  return relFile.replace(/\.[^./]+$/, "");
}
