/** Everything the workflow runtime serves lives under this prefix. */
export const ROUTE_PREFIX = "/.well-known/workflow/v1/";

/** Is this path served by the workflow runtime? */
export function isWorkflowPath(pathname: string): boolean {
  return pathname.startsWith(ROUTE_PREFIX) || pathname === ROUTE_PREFIX.slice(0, -1);
}
