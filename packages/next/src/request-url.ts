/**
 * The request as its caller addressed it, for `trustProxy` only. Next builds
 * `request.url` from the address it listens on (`http://localhost:3000/...`);
 * behind a trusted proxy this rebuilds it from `X-Forwarded-Host` / `Host` and
 * `X-Forwarded-Proto`. It changes that request's own URL, never the base of
 * webhook URLs.
 */
export function asAddressed(request: Request): Request {
  const first = (value: string | null) => value?.split(",")[0]?.trim() || undefined;
  const host = first(request.headers.get("x-forwarded-host")) ?? first(request.headers.get("host"));
  if (!host) return request;
  const url = new URL(request.url);
  const protocol = first(request.headers.get("x-forwarded-proto")) ?? url.protocol.slice(0, -1);
  let addressed: URL;
  try {
    addressed = new URL(`${url.pathname}${url.search}`, `${protocol}://${host}`);
  } catch {
    return request; // a Host header that is not a host
  }
  if (addressed.origin === url.origin) return request;
  const init: RequestInit & { duplex?: "half" } = {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
  };
  if (request.body) {
    init.body = request.body;
    init.duplex = "half";
  }
  return new Request(addressed, init);
}
