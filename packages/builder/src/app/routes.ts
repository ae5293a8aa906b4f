/** Everything the workflow runtime serves lives under this prefix. */
export const ROUTE_PREFIX = "/.well-known/workflow/v1/";

/** Where webhooks are served: public by design, never behind the development guard. */
export const WEBHOOK_PREFIX = `${ROUTE_PREFIX}webhook/`;

/** The prefixes of the development tools: the inspect route and the web UI. */
export const DEV_TOOL_PREFIXES: readonly string[] = [`${ROUTE_PREFIX}inspect/`, `${ROUTE_PREFIX}ui/`];

/** Is this path served by the workflow runtime? */
export function isWorkflowPath(pathname: string): boolean {
  return pathname.startsWith(ROUTE_PREFIX) || pathname === ROUTE_PREFIX.slice(0, -1);
}

/** Is this path a development tool's (inspect, web UI)? Such routes only answer their own user. */
export function isDevToolPath(pathname: string): boolean {
  return DEV_TOOL_PREFIXES.some((prefix) => pathname.startsWith(prefix) || `${pathname}/` === prefix);
}
