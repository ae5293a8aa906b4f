import { realpathSync } from "node:fs";

const IN_NEXT = /[\\/]next[\\/]dist[\\/]/;

/**
 * Whether this process serves the app's requests. Next loads next.config in
 * "server" phases from more than one process: the server of `next dev` /
 * `next start` (whose title `startServer()` sets to "next-server"), but also
 * helpers such as the telemetry flusher that `next dev` leaves behind on exit.
 * Only the server may open the World. A custom server (a script of the app that
 * calls `next()`) serves its own requests.
 */
export function servesRequests(): boolean {
  let main = process.argv[1] ?? "";
  try {
    main = realpathSync(main);
  } catch {
    // Not a file (e.g. `node -e`): judge by the path as given.
  }
  if (!IN_NEXT.test(main)) return true;
  return process.title.startsWith("next-server") || /[\\/]server[\\/]lib[\\/]start-server\.js$/.test(main);
}
