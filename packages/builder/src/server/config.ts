// The settings every host of the workflow runtime reads (Next, Vite, `wf dev`,
// production servers), resolved in one place with one precedence:
// an explicit option, else the environment variable, else the default.
// docs/configuration.md documents them.
import path from "node:path";
import { LOG_LEVELS, type LogFormat, type LogLevel, WorkflowError } from "@wfkit/core";

/** Settings a host may pass explicitly; each beats its environment variable. */
export interface AppConfigOptions {
  /** The app root. Default: `process.cwd()`. */
  root?: string;
  /** Folder of the embedded World's data. Env: `WORKFLOW_DATA_DIR`. Default: `<root>/.workflow-data`. */
  dataDir?: string;
  /**
   * Store runs in PostgreSQL at this URL instead of the embedded SQLite World,
   * e.g. `postgres://user:pass@db:5432/app`. Env: `WORKFLOW_POSTGRES_URL`.
   * Default: none (SQLite). Read by the hosts that pick the default World
   * (`workflow/next`, `workflow/vite`, `wf dev`, `wf run`); see docs/deploy.md.
   */
  postgresUrl?: string;
  /**
   * Base of every webhook URL, e.g. `https://app.example.com`. Env:
   * `WORKFLOW_PUBLIC_URL`. Default: none, and the server's own listening
   * address is used.
   */
  publicUrl?: string;
  /**
   * Build each request's own URL from `X-Forwarded-Host` / `X-Forwarded-Proto`
   * (and Host). Only behind a proxy you trust. Never sets the webhook base. Default false.
   */
  trustProxy?: boolean;
  /**
   * The secret run status tokens are derived from (`acceptedResponse()` in
   * `workflow/api`). Env: `WORKFLOW_SECRET`. Default: a random one kept in
   * `<dataDir>/status-secret`, created on first use.
   */
  secret?: string;
  /** Least severe log level: debug, info, warn, error, silent. Env: `WORKFLOW_LOG_LEVEL`. Default `info`. */
  logLevel?: LogLevel;
  /** `json` writes each lifecycle log line as a JSON object. Env: `WORKFLOW_LOG_FORMAT`. Default `text`. */
  logFormat?: LogFormat;
}

/** The resolved settings. */
export interface AppConfig {
  /** Absolute. */
  root: string;
  /** Absolute. */
  dataDir: string;
  /** Undefined when neither the option nor `WORKFLOW_POSTGRES_URL` sets it. */
  postgresUrl?: string;
  /** Without a trailing slash; undefined when neither the option nor the environment sets it. */
  publicUrl: string | undefined;
  trustProxy: boolean;
  /** Undefined when neither the option nor `WORKFLOW_SECRET` sets it. */
  secret?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

/** The environment variables {@link resolveConfig} reads. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

const set = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);

/**
 * Resolves the runtime settings of an app: for each one the explicit option,
 * else its environment variable (`WORKFLOW_DATA_DIR`, `WORKFLOW_POSTGRES_URL`, `WORKFLOW_PUBLIC_URL`, `WORKFLOW_SECRET`),
 * else the default. An empty string counts as unset. A relative `dataDir` is
 * relative to the root.
 */
export function resolveConfig(options: AppConfigOptions = {}, env: ConfigEnv = process.env): AppConfig {
  const root = path.resolve(options.root ?? process.cwd());
  const dataDir = path.resolve(root, set(options.dataDir) ?? set(env.WORKFLOW_DATA_DIR) ?? ".workflow-data");
  const publicUrl = (set(options.publicUrl) ?? set(env.WORKFLOW_PUBLIC_URL))?.replace(/\/+$/, "");
  const secret = set(options.secret) ?? set(env.WORKFLOW_SECRET);
  const postgresUrl = set(options.postgresUrl) ?? set(env.WORKFLOW_POSTGRES_URL);
  const logLevel = (set(options.logLevel) ?? set(env.WORKFLOW_LOG_LEVEL) ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw invalidSetting("WORKFLOW_LOG_LEVEL", logLevel, LOG_LEVELS.join(", "));
  const logFormat = (set(options.logFormat) ?? set(env.WORKFLOW_LOG_FORMAT) ?? "text") as LogFormat;
  if (logFormat !== "text" && logFormat !== "json")
    throw invalidSetting("WORKFLOW_LOG_FORMAT", logFormat, "text, json");
  return {
    root,
    dataDir,
    ...(postgresUrl && { postgresUrl }),
    publicUrl,
    trustProxy: options.trustProxy ?? false,
    ...(secret && { secret }),
    logLevel,
    logFormat,
  };
}

function invalidSetting(name: string, value: string, allowed: string): WorkflowError {
  return new WorkflowError(
    "WF_CONFIG_INVALID",
    `${name} (or its option) is "${value}", which is not one of ${allowed}.`,
    `Set it to one of ${allowed}, or unset it for the default.`,
  );
}
