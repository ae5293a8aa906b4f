import type { WebhookVerifierDefinition } from "./verify/index.js";

/**
 * Credentials a request may carry that no workflow needs to keep: left out of
 * every stored webhook request unless `keepHeaders` names them.
 */
export const DEFAULT_DROPPED_HEADERS: readonly string[] = ["authorization", "cookie", "proxy-authorization"];

/** The header options of the webhook route (see `WebhookHandlerOptions`). */
export interface HeaderStorageOptions {
  dropHeaders?: readonly string[];
  keepHeaders?: readonly string[];
}

/**
 * Decides which headers of a webhook request are stored. The stored request is
 * what workflow code receives, now and on every replay, so a header left out here
 * is never seen by workflow code: it is gone from the event log for good.
 */
export class HeaderFilter {
  private readonly drop: Set<string>;
  private readonly keep: Set<string>;

  constructor(options: HeaderStorageOptions = {}) {
    const lower = (names: readonly string[] | undefined) => (names ?? []).map((n) => n.toLowerCase());
    this.keep = new Set(lower(options.keepHeaders));
    this.drop = new Set([...DEFAULT_DROPPED_HEADERS, ...lower(options.dropHeaders)]);
  }

  /** The headers to store: all but the dropped ones and, once verified, the verifier's signature headers. */
  stored(headers: Headers, verifier: WebhookVerifierDefinition | undefined): [string, string][] {
    const signature = new Set((verifier?.signatureHeaders ?? []).map((n) => n.toLowerCase()));
    // Headers iterates names in lower case.
    return [...headers].filter(
      ([name]) => this.keep.has(name) || (!this.drop.has(name) && !signature.has(name)),
    );
  }
}
