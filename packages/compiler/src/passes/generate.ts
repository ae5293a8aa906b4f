import type { CompilerContext } from "../context.js";
import { serialize } from "../edit/sourceMap.js";
import { leadingLineStart } from "../util/text.js";

/**
 * Pass 9: adds the runtime import (only if an emitted edit calls the
 * runtime), renders the edits and encodes the source map. Paths in the map
 * are root-relative, like everything else the compiler emits.
 */
export function generatePass(ctx: CompilerContext): void {
  const code = ctx.code;
  if (ctx.edits.size === 0) {
    ctx.output = { code, map: null, chunks: [{ text: code, origin: 0, copied: true }], offsets: [0] };
    return;
  }
  const statement = `import * as __wf from ${JSON.stringify(ctx.options.runtimeModule)};`;
  const first = ctx.ast!.program.body[0];
  if (first) {
    const at = leadingLineStart(code, first.start!);
    ctx.edits.runtimeImportAt(
      at,
      at === first.start! && at !== 0 && code[at - 1] !== "\n" ? `${statement} ` : `${statement}\n`,
    );
  } else {
    ctx.edits.runtimeImportAt(code.length, `\n${statement}\n`);
  }
  const chunks = ctx.edits.render();
  const { code: out, mappings, offsets } = serialize(chunks, ctx.lineStarts());
  const slash = ctx.file.lastIndexOf("/");
  ctx.output = {
    code: out,
    map: {
      version: 3,
      file: ctx.file.slice(slash + 1),
      sources: [ctx.file],
      sourcesContent: [code],
      names: [],
      mappings,
    },
    chunks,
    offsets,
  };
}
