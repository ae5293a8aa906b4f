/** The two directives the compiler understands. */
export type DirectiveName = "use workflow" | "use step";

export const DIRECTIVES: readonly DirectiveName[] = ["use workflow", "use step"];

// Directives of other tools that look like ours but are not misspellings.
const FOREIGN = new Set([
  "use strict",
  "use client",
  "use server",
  "use cache",
  "use memo",
  "use no memo",
  "use asm",
]);

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("stpe" → "step" is 1). */
function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n];
}

/**
 * If `value` looks like a mistyped directive (`"use stpe"`, `"Use Step"`,
 * `"use-workflow"`), the directive it most likely meant; otherwise `null`.
 * Exact directives return `null`: they are not misspellings.
 */
export function suggestDirective(value: string): DirectiveName | null {
  if (value === "use workflow" || value === "use step") return null;
  const normalized = value
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, " ");
  if (FOREIGN.has(normalized)) return null;
  // Split "usestep" / "use step" into the verb and the word after it.
  const m = /^use ?(.*)$/.exec(normalized);
  if (!m) return null;
  const word = m[1].replace(/ /g, "");
  if (word.length === 0) return null;
  let best: DirectiveName | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const d of DIRECTIVES) {
    const target = d.slice(4);
    // Short words tolerate fewer edits, or "use stop" and "use sleep" would both be steps.
    const limit = target.length <= 4 ? 1 : 2;
    const dist = word === target ? 0 : editDistance(word, target);
    if (dist <= limit && dist < bestDistance) {
      best = d;
      bestDistance = dist;
    }
  }
  return best;
}

// A string literal that is nothing but "use" and one word: the only shape a
// directive (or a typo of one) can take.
const CANDIDATE = /(["'])\s*use[\s_-]*([a-z]+)\s*\1/gi;

/**
 * The cheap check that lets most files skip parsing: `true` when the source
 * contains a string that is, or nearly is, one of our directives.
 */
export function mayContainDirective(code: string): boolean {
  if (code.indexOf("se") === -1) return false;
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(code); m !== null; m = CANDIDATE.exec(code)) {
    const word = m[2].toLowerCase();
    if (word === "step" || word === "workflow") return true;
    if (suggestDirective(`use ${word}`) !== null) return true;
  }
  return false;
}

/**
 * `true` when the file may declare a class with the peer's serialization methods
 * (`Symbol.for("workflow-serialize")` or `WORKFLOW_SERIALIZE` from `@workflow/serde`):
 * such a file is compiled to register the class even without a directive.
 */
export function mayDeclareSerializable(code: string): boolean {
  return code.includes("workflow-serialize") || code.includes("WORKFLOW_SERIALIZE");
}

/** `true` when the compiler has something to do with the file. */
export function needsCompiling(code: string): boolean {
  return mayContainDirective(code) || mayDeclareSerializable(code);
}
