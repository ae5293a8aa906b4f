/**
 * Edits on the original source, rendered into chunks that remember where each
 * piece of text came from. The compiler never regenerates code from the AST:
 * untouched text is copied verbatim (keeping the user's formatting and TypeScript
 * syntax) and the source map falls out of the chunk list for free.
 */

/** Text to emit: a literal string, or `[from, to)` of the original (with the edits inside it applied). */
export type Piece = string | readonly [number, number];

/** An output chunk: `origin` is the original offset of its first character, or of the edit that produced it. */
export interface Chunk {
  text: string;
  origin: number;
  /** `true` when the text is a verbatim copy of the original starting at `origin`. */
  copied: boolean;
}

interface Edit {
  start: number;
  end: number;
  pieces: readonly Piece[];
  /** Zero-width inserts at the same offset: closing text of the code before (-1) precedes opening text of the code after (+1). */
  bias: number;
  seq: number;
  runtime: boolean;
  placeholder: boolean;
}

/** Where a zero-width insert attaches: to the code ending here, or the code starting here. */
export type InsertSide = "after-previous" | "before-next";

export class EditList {
  private edits: Edit[] = [];
  private sorted = true;
  private seq = 0;

  constructor(readonly code: string) {}

  /** Number of edits registered so far. */
  get size(): number {
    return this.edits.length;
  }

  /** Replace `[start, end)` of the original with `pieces`. */
  replace(start: number, end: number, pieces: string | readonly Piece[]): void {
    this.add(start, end, typeof pieces === "string" ? [pieces] : pieces, 0);
  }

  remove(start: number, end: number): void {
    this.add(start, end, [], 0);
  }

  insert(pos: number, text: string | readonly Piece[], side: InsertSide): void {
    this.add(pos, pos, typeof text === "string" ? [text] : text, side === "after-previous" ? -1 : 1);
  }

  /** Reserve a spot for the runtime import; it is emitted only if some emitted edit calls the runtime. */
  runtimeImportAt(pos: number, text: string): void {
    this.add(pos, pos, [text], -2);
    this.edits[this.edits.length - 1].placeholder = true;
  }

  /** `true` when an edit replaces text inside `[start, end)` or inserts anywhere in `[start, end]`. */
  touches(start: number, end: number): boolean {
    for (const e of this.edits) {
      if (e.start === e.end ? e.start >= start && e.start <= end : e.end > start && e.start < end)
        return true;
    }
    return false;
  }

  private add(start: number, end: number, pieces: readonly Piece[], bias: number): void {
    let runtime = false;
    for (const p of pieces) if (typeof p === "string" && p.includes("__wf.")) runtime = true;
    this.edits.push({ start, end, pieces, bias, seq: this.seq++, runtime, placeholder: false });
    this.sorted = false;
  }

  private sort(): Edit[] {
    if (!this.sorted) {
      this.edits.sort((a, b) => {
        if (a.start !== b.start) return a.start - b.start;
        const aw = a.end === a.start;
        const bw = b.end === b.start;
        if (aw !== bw) return aw ? -1 : 1;
        if (aw) return a.bias - b.bias || a.seq - b.seq;
        return b.end - a.end || a.seq - b.seq;
      });
      this.sorted = true;
    }
    return this.edits;
  }

  private firstAtOrAfter(pos: number): number {
    const edits = this.sort();
    let lo = 0;
    let hi = edits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edits[mid].start < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Walks `[from, to)` applying the edits that lie entirely inside it. Edits
   * that straddle the bounds belong to another rendering of the same text
   * (e.g. a hoisted copy) and are skipped.
   */
  private walk(
    from: number,
    to: number,
    root: boolean,
    onCopy: (start: number, end: number) => void,
    onEdit: (edit: Edit) => void,
  ): void {
    const edits = this.sort();
    let cursor = from;
    for (let i = this.firstAtOrAfter(from); i < edits.length; i++) {
      const e = edits[i];
      const zeroWidth = e.start === e.end;
      if (e.start > to || (e.start === to && !zeroWidth)) break;
      if (e.start < cursor || e.end > to) continue;
      // Inserts on the bounds of a copied slice wrap the original node in place; the copy must not repeat them.
      if (!root && zeroWidth && (e.start === from || e.start === to)) continue;
      if (e.start > cursor) onCopy(cursor, e.start);
      onEdit(e);
      cursor = e.end;
    }
    if (cursor < to) onCopy(cursor, to);
  }

  /** Renders the whole file into chunks. */
  render(): Chunk[] {
    const chunks: Chunk[] = [];
    let placeholder = -1;
    let usesRuntime = false;
    const code = this.code;
    const emitRange = (from: number, to: number, root: boolean): void => {
      this.walk(
        from,
        to,
        root,
        (s, e) => {
          chunks.push({ text: code.slice(s, e), origin: s, copied: true });
        },
        (edit) => {
          if (edit.placeholder) placeholder = chunks.length;
          else if (edit.runtime) usesRuntime = true;
          for (const p of edit.pieces) {
            if (typeof p === "string") {
              if (p.length > 0) chunks.push({ text: p, origin: edit.start, copied: false });
            } else emitRange(p[0], p[1], false);
          }
        },
      );
    };
    emitRange(0, code.length, true);
    if (placeholder !== -1 && !usesRuntime) chunks.splice(placeholder, 1);
    return chunks;
  }

  /** Sorted, merged original ranges that {@link render} copies into the output. */
  coverage(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const visit = (from: number, to: number, root: boolean): void => {
      this.walk(
        from,
        to,
        root,
        (s, e) => {
          out.push([s, e]);
        },
        (edit) => {
          for (const p of edit.pieces) if (typeof p !== "string") visit(p[0], p[1], false);
        },
      );
    };
    visit(0, this.code.length, true);
    out.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const r of out) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    return merged;
  }
}

/** `true` when `pos` lies in one of the sorted, disjoint `ranges`. */
export function inRanges(ranges: ReadonlyArray<readonly [number, number]>, pos: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid];
    if (pos < r[0]) hi = mid - 1;
    else if (pos >= r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}
