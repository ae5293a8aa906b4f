// Modules that cannot run inside the deterministic workflow sandbox. Kept as a
// literal list (not `node:module`.builtinModules) so the compiler stays pure and
// gives the same answer whichever Node version runs it.
const BUILTINS = new Set([
  "assert",
  "async_hooks",
  "buffer",
  "child_process",
  "cluster",
  "console",
  "constants",
  "crypto",
  "dgram",
  "diagnostics_channel",
  "dns",
  "domain",
  "events",
  "fs",
  "http",
  "http2",
  "https",
  "inspector",
  "module",
  "net",
  "os",
  "path",
  "perf_hooks",
  "process",
  "punycode",
  "querystring",
  "readline",
  "repl",
  "sqlite",
  "stream",
  "string_decoder",
  "sys",
  "test",
  "timers",
  "tls",
  "trace_events",
  "tty",
  "url",
  "util",
  "v8",
  "vm",
  "wasi",
  "worker_threads",
  "zlib",
]);

// Packages whose whole purpose is I/O (databases, caches, HTTP clients, mail).
const IO_PACKAGES = new Set([
  "pg",
  "postgres",
  "mysql",
  "mysql2",
  "mariadb",
  "mongodb",
  "mongoose",
  "redis",
  "ioredis",
  "better-sqlite3",
  "sqlite3",
  "knex",
  "sequelize",
  "typeorm",
  "drizzle-orm",
  "kysely",
  "amqplib",
  "kafkajs",
  "nats",
  "mqtt",
  "axios",
  "node-fetch",
  "undici",
  "got",
  "nodemailer",
  "@prisma/client",
  "@neondatabase/serverless",
  "@vercel/postgres",
  "@planetscale/database",
  "@libsql/client",
  "@upstash/redis",
]);

const IO_SCOPES = ["@aws-sdk/", "@google-cloud/", "@azure/"];

/**
 * Whether `source` (an import specifier) names a Node builtin or a well-known
 * I/O package. Returns the normalised name to show in messages, or `null`.
 */
export function forbiddenInWorkflow(source: string): string | null {
  if (source.startsWith("node:")) return source;
  const slash = source.indexOf("/");
  const head = source.startsWith("@")
    ? source.split("/", 2).join("/")
    : slash === -1
      ? source
      : source.slice(0, slash);
  if (BUILTINS.has(head)) return source;
  if (IO_PACKAGES.has(head)) return source;
  for (const scope of IO_SCOPES) if (source.startsWith(scope)) return source;
  return null;
}
