// The guard in front of development routes (`wf dev`'s API, the inspect route,
// the web UI): they act on the machine of the developer who runs them, so they
// answer only that developer's own requests. Refused: a Host name a DNS
// rebinding page would send (403 WF_FORBIDDEN_HOST), a state-changing request
// from another site (403 WF_FORBIDDEN_ORIGIN), and a body that is not JSON
// (415 WF_UNSUPPORTED_MEDIA_TYPE: a cross-site form or text/plain POST).
// docs/security.md explains the rules.
import { errorResponse, isJsonContentType } from "@wfkit/core";

/** What the guard knows of the server. */
export interface GuardPolicy {
  /** `AppConfig.allowedHosts`: configured host names (`.example.com` for a domain and its subdomains), or true for any. */
  allowedHosts: readonly string[] | true;
  /** The server's own origins (its listening address, its public URL); their host names are allowed. */
  ownOrigins: ReadonlyArray<string | undefined>;
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Lower case, without the port, a trailing dot or IPv6 brackets kept; undefined when it does not parse. */
function hostnameOf(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

function originHost(origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  try {
    return new URL(origin).hostname.replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

function listed(hostname: string, list: readonly string[]): boolean {
  return list.some((entry) => {
    const name = entry.startsWith(".") ? entry.slice(1) : (hostnameOf(entry) ?? entry);
    return hostname === name || (entry.startsWith(".") && hostname.endsWith(entry));
  });
}

/**
 * Whether a host name may be served. DNS rebinding points a name the attacker
 * owns at 127.0.0.1, so the browser sends that name: loopback names and IP
 * addresses cannot be rebound, other names must be the server's own or listed.
 */
export function isAllowedHost(hostname: string, policy: GuardPolicy): boolean {
  if (policy.allowedHosts === true) return true;
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return true;
  if (IPV4.test(hostname) || hostname.startsWith("[")) return true;
  if (policy.ownOrigins.some((origin) => originHost(origin) === hostname)) return true;
  return listed(hostname, policy.allowedHosts);
}

/**
 * Checks a request to a development route: undefined when it may go on, else
 * the JSON error answer. Webhook routes must not be guarded (third parties call them).
 */
export function guardDevRequest(request: Request, policy: GuardPolicy): Response | undefined {
  const host = request.headers.get("host") ?? new URL(request.url).host;
  const hostname = hostnameOf(host);
  if (!hostname || !isAllowedHost(hostname, policy)) {
    return errorResponse(
      "WF_FORBIDDEN_HOST",
      `This development route answers requests for its own address only, not for the host "${host}".`,
      `Open it at its own address (http://localhost:<port>). To reach it under this name on purpose (a tunnel, a container), add "${hostname ?? host}" to allowedHosts or WORKFLOW_ALLOWED_HOSTS.`,
    );
  }
  if (!WRITES.has(request.method)) return undefined;
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site");
  // Behind a trusted proxy the request's URL carries the public host (X-Forwarded-Host), its Host header the internal one.
  const hosts = [host, new URL(request.url).host];
  if (origin !== null ? !sameOrAllowedOrigin(origin, hosts, policy) : site === "cross-site") {
    return errorResponse(
      "WF_FORBIDDEN_ORIGIN",
      `This development route takes changes only from its own pages, not from ${origin ?? "another site"}.`,
      "Call it from a terminal, a script or the server's own pages. A page of another origin that must call it: add its host name to allowedHosts or WORKFLOW_ALLOWED_HOSTS.",
    );
  }
  const type = request.headers.get("content-type");
  const length = request.headers.get("content-length");
  const hasBody =
    (length !== null && length !== "0") ||
    request.headers.has("transfer-encoding") ||
    (length === null && type !== null);
  if (hasBody && !isJsonContentType(type)) {
    return errorResponse(
      "WF_UNSUPPORTED_MEDIA_TYPE",
      `This development route takes JSON bodies, sent with Content-Type: application/json, not ${type ?? "a body without a Content-Type"}.`,
      `Send the header: curl -H 'content-type: application/json' -d '{...}', or curl --json '{...}'; fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body }).`,
    );
  }
  return undefined;
}

/** An Origin of the request's own host, or of a host name allowed by name (not just by being an IP or localhost). */
function sameOrAllowedOrigin(origin: string, hosts: readonly string[], policy: GuardPolicy): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a file: page) and anything malformed
  }
  const own = hosts.flatMap((host) =>
    hostnameOf(host) === undefined ? [] : [new URL(`http://${host}`).host],
  );
  if (own.includes(url.host)) return true;
  const hostname = url.hostname.replace(/\.$/, "");
  return policy.allowedHosts !== true && listed(hostname, policy.allowedHosts);
}
