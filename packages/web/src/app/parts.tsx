// Small pieces the run page and its detail share: values, errors, HTTP messages.
import type { ErrorView, Json } from "./api";
import { json } from "./format";

export const TERMINAL = new Set(["completed", "failed", "cancelled"]);
/** wfkit's and Node's own stack frames: dimmed, so the user's frames stand out. */
export const INTERNAL_FRAME =
  /\((?:node:|.*\/(?:@wfkit|packages)\/(?:core|builder|world[\w-]*)\/)|^\s+at (?:async )?(?:node:|file:\/\/.*\/(?:@wfkit|packages)\/core\/)/;

export function ErrorBlock({ error }: { error: ErrorView }) {
  return (
    <div class="error-block" data-testid="error">
      <div class="error-title">
        <b>{error.name}</b>: {error.message}
        {error.code && <span class="code">{error.code}</span>}
      </div>
      {error.stack && (
        <pre class="stack">
          {error.stack.split("\n").map((line, i) => (
            // wfkit's and Node's own frames are dimmed: the user's frames are what to read.
            <div key={i} class={INTERNAL_FRAME.test(line) ? "internal" : ""}>
              {line}
            </div>
          ))}
        </pre>
      )}
    </div>
  );
}

export function Value({ value, label }: { value: Json | undefined; label?: string }) {
  if (value === undefined) return <span class="muted">—</span>;
  return (
    <pre class="value" data-label={label}>
      {compact(value)}
    </pre>
  );
}

export function HttpMessage({ message }: { message: { [key: string]: Json } }) {
  const headers = (message.headers ?? {}) as Record<string, string>;
  const first =
    message.method !== undefined
      ? `${message.method} ${message.url}`
      : `${message.status} ${message.statusText ?? ""}`;
  return (
    <pre class="http">
      <b>{first}</b>
      {"\n"}
      {Object.entries(headers).map(([k, v]) => (
        <span key={k} class="hdr">
          {k}: {v}
          {"\n"}
        </span>
      ))}
      {message.body !== null && message.body !== undefined && (
        <>
          {"\n"}
          {typeof message.body === "string" ? message.body : json(message.body)}
        </>
      )}
    </pre>
  );
}

/** Short values on one line (`["A-1"]`), longer ones indented. */
function compact(value: Json): string {
  const line = JSON.stringify(value);
  return line !== undefined && line.length <= 40 ? line : json(value);
}
