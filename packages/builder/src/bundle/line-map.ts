// esbuild reports errors (an import that does not resolve, say) at lines of the
// code the compiler gave it, which has an extra import line on top. The
// compiler's source map gives the line the user wrote.

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The numbers of one source-map segment (base64 VLQ). */
function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/**
 * For a source map's `mappings`, a function from a generated line (1-based) to
 * the original line (1-based) of its first mapped segment, or undefined.
 */
export function originalLineOf(mappings: string): (line: number) => number | undefined {
  const lines: Array<number | undefined> = [];
  let sourceLine = 0;
  for (const line of mappings.split(";")) {
    let first: number | undefined;
    for (const segment of line.split(",")) {
      if (!segment) continue;
      const fields = decodeSegment(segment);
      if (fields.length < 4) continue;
      sourceLine += fields[2]!;
      first ??= sourceLine;
    }
    lines.push(first);
  }
  return (line) => {
    const original = lines[line - 1];
    return original === undefined ? undefined : original + 1;
  };
}
