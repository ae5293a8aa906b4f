import { lineIndexOf } from "../util/text.js";
import type { Chunk } from "./editList.js";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function isWordChar(ch: number): boolean {
  return (
    (ch >= 97 && ch <= 122) ||
    (ch >= 65 && ch <= 90) ||
    (ch >= 48 && ch <= 57) ||
    ch === 95 ||
    ch === 36 ||
    ch > 127
  );
}

function vlq(value: number): string {
  let v = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = "";
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += BASE64[digit];
  } while (v > 0);
  return out;
}

/** Output of {@link serialize}: the code, its mappings, and where each chunk landed (for the Babel plugin). */
export interface Serialized {
  code: string;
  mappings: string;
  /** Output offset of each chunk's first character, parallel to the chunk array. */
  offsets: number[];
}

/**
 * Joins chunks into the output and encodes a source map for it. Copied text
 * gets a segment at its start and at every token that follows a blank, so
 * columns stay accurate; inserted text maps to the edit that produced it.
 */
export function serialize(chunks: Chunk[], lineStarts: number[]): Serialized {
  const parts: string[] = [];
  const offsets: number[] = [];
  let mappings = "";
  let outOffset = 0;
  let genCol = 0;
  let prevGenCol = 0;
  let prevLine = 0;
  let prevCol = 0;
  let lineHasSegment = false;
  let lastOrigLine = -1;
  let lastOrigCol = -1;

  const segment = (origOffset: number): void => {
    const line = lineIndexOf(lineStarts, origOffset);
    const col = origOffset - lineStarts[line];
    if (line === lastOrigLine && col === lastOrigCol && lineHasSegment) return;
    if (lineHasSegment) mappings += ",";
    mappings += vlq(genCol - prevGenCol) + "A" + vlq(line - prevLine) + vlq(col - prevCol);
    prevGenCol = genCol;
    prevLine = line;
    prevCol = col;
    lastOrigLine = line;
    lastOrigCol = col;
    lineHasSegment = true;
  };

  for (const chunk of chunks) {
    const text = chunk.text;
    parts.push(text);
    offsets.push(outOffset);
    outOffset += text.length;
    let wantSegment = true;
    let prevWord = false;
    let prevBlank = true;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10) {
        mappings += ";";
        genCol = 0;
        prevGenCol = 0;
        lineHasSegment = false;
        wantSegment = true;
        prevBlank = true;
        prevWord = false;
        continue;
      }
      const blank = ch === 32 || ch === 9 || ch === 13;
      const word = isWordChar(ch);
      // Copied text: a segment at every token start (after a blank, or a word after punctuation).
      if (!blank && (wantSegment || (chunk.copied && (prevBlank || (word && !prevWord))))) {
        segment(chunk.copied ? chunk.origin + i : chunk.origin);
        wantSegment = false;
      }
      prevBlank = blank;
      prevWord = word;
      genCol++;
    }
  }
  return { code: parts.join(""), mappings, offsets };
}
