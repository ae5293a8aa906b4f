// Starts the Vite dev server of the app in the current directory on a free
// port and prints its URL. Used by dev.test.ts in a child process (Vite's own
// SIGTERM handler closes the server, and with it the workflow runtime).
import { createServer } from "vite";

const server = await createServer({
  root: process.cwd(),
  server: { host: "127.0.0.1", port: 0 },
});
await server.listen();
console.log(`dev server ready at ${server.resolvedUrls.local[0]}`);
