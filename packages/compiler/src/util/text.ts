/** Offsets of the first character of every line of `code`. */
export function computeLineStarts(code: string): number[] {
  const starts = [0];
  let i = code.indexOf("\n");
  while (i !== -1) {
    starts.push(i + 1);
    i = code.indexOf("\n", i + 1);
  }
  return starts;
}

/** 0-based line index containing `offset` (binary search over `lineStarts`). */
export function lineIndexOf(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** 1-based line and 0-based column of `offset`. */
export function locOf(lineStarts: number[], offset: number): { line: number; column: number } {
  const i = lineIndexOf(lineStarts, offset);
  return { line: i + 1, column: offset - lineStarts[i] };
}

function isBlank(ch: number): boolean {
  return ch === 32 || ch === 9 || ch === 13;
}

/** Start of the line holding `pos` when only blanks precede `pos` on it, else `pos`. */
export function leadingLineStart(code: string, pos: number): number {
  let i = pos;
  while (i > 0 && isBlank(code.charCodeAt(i - 1))) i--;
  return i === 0 || code.charCodeAt(i - 1) === 10 ? i : pos;
}

/** The blanks that indent the line holding `pos`. */
export function indentAt(code: string, pos: number): string {
  let start = pos;
  while (start > 0 && code.charCodeAt(start - 1) !== 10) start--;
  let end = start;
  while (end < code.length && (code.charCodeAt(end) === 32 || code.charCodeAt(end) === 9)) end++;
  return code.slice(start, end);
}

/**
 * The range to delete so that removing `[start, end)` leaves no blank line
 * behind: whole lines when the code stands alone on its lines, otherwise the
 * code plus the blanks that follow it.
 */
export function removalRange(code: string, start: number, end: number): [number, number] {
  let e = end;
  while (e < code.length && isBlank(code.charCodeAt(e))) e++;
  const s = leadingLineStart(code, start);
  if (s === 0 || code.charCodeAt(s - 1) === 10) {
    if (e >= code.length) return [s, e];
    if (code.charCodeAt(e) === 10) return [s, e + 1];
  }
  return [start, e];
}

function isBlankLineAt(code: string, lineStart: number): { blank: boolean; next: number } {
  let i = lineStart;
  while (i < code.length && isBlank(code.charCodeAt(i))) i++;
  if (i >= code.length) return { blank: i > lineStart, next: i };
  return { blank: code.charCodeAt(i) === 10, next: i + 1 };
}

/**
 * Like {@link removalRange} for a whole statement, and when the statement sat
 * between two blank lines, one of them goes too, so deleted declarations do
 * not leave stacks of empty lines behind.
 */
export function statementRemovalRange(code: string, start: number, end: number): [number, number] {
  const [s, e] = removalRange(code, start, end);
  const wholeLines =
    (s === 0 || code.charCodeAt(s - 1) === 10) && (e >= code.length || code.charCodeAt(e - 1) === 10);
  if (!wholeLines || s === 0) return [s, e];
  let prevStart = s - 1;
  while (prevStart > 0 && code.charCodeAt(prevStart - 1) !== 10) prevStart--;
  if (!isBlankLineAt(code, prevStart).blank) return [s, e];
  const following = isBlankLineAt(code, e);
  return following.blank && e < code.length ? [s, following.next] : [s, e];
}
