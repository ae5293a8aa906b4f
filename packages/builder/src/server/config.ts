// The settings every host of the workflow runtime reads (Next, Vite, `wf dev`,
// production servers), resolved in one place with one precedence:
// an explicit option, else the environment variable, else the default.
// docs/configuration.md documents them.
import path from "node:path";
import {
  DEFAULT_BODY_TIMEOUT_MS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  WorkflowError,
} from "@wfkit/core";

/** Settings a host may pass explicitly; each beats its environment variable. */
export interface AppConfigOptions {
  /** The app root. Default: `process.cwd()`. */
  root?: string;
  /** Folder of the embedded World's data. Env: `WORKFLOW_DATA_DIR`. Default: `<root>/.workflow-data`. */
  dataDir?: string;
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
  /**
   * Host names the development routes (`wf dev`, the inspect route, the web
   * UI) answer besides `localhost`, `*.localhost`, IP addresses, the server's
   * own address and `publicUrl`'s host. `.example.com` allows the domain and
   * its subdomains; `true` allows any host (DNS rebinding is then possible).
   * Env: `WORKFLOW_ALLOWED_HOSTS`, comma-separated (`*` for any). Default: none.
   */
  allowedHosts?: readonly string[] | true;
  /**
   * How long a request body may take to arrive at a workflow route, in ms,
   * before the route answers 408 `WF_REQUEST_TIMEOUT` and closes the
   * connection. Env: `WORKFLOW_BODY_TIMEOUT_MS`. Default 10000.
   */
  bodyTimeoutMs?: number;
  /** `json` writes each lifecycle log line as a JSON object. Env: `WORKFLOW_LOG_FORMAT`. Default `text`. */
  logFormat?: LogFormat;
}

/** The resolved settings. */
export interface AppConfig {
  /** Absolute. */
  root: string;
  /** Absolute. */
  dataDir: string;
  /** Without a trailing slash; undefined when neither the option nor the environment sets it. */
  publicUrl: string | undefined;
  trustProxy: boolean;
  /** Undefined when neither the option nor `WORKFLOW_SECRET` sets it. */
  secret?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Host names allowed besides the built-in ones (lower case), or `true` for any. */
  allowedHosts: readonly string[] | true;
  bodyTimeoutMs: number;
}

/** The environment variables {@link resolveConfig} reads. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

const set = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);

/**
 * Resolves the runtime settings of an app: for each one the explicit option,
 * else its environment variable (`WORKFLOW_DATA_DIR`, `WORKFLOW_PUBLIC_URL`, `WORKFLOW_SECRET`),
 * else the default. An empty string counts as unset. A relative `dataDir` is
 * relative to the root. Also `WORKFLOW_LOG_LEVEL`, `WORKFLOW_LOG_FORMAT`,
 * `WORKFLOW_ALLOWED_HOSTS` and `WORKFLOW_BODY_TIMEOUT_MS`.
 */
export function resolveConfig(options: AppConfigOptions = {}, env: ConfigEnv = process.env): AppConfig {
  const root = path.resolve(options.root ?? process.cwd());
  const dataDir = path.resolve(root, set(options.dataDir) ?? set(env.WORKFLOW_DATA_DIR) ?? ".workflow-data");
  const publicUrl = (set(options.publicUrl) ?? set(env.WORKFLOW_PUBLIC_URL))?.replace(/\/+$/, "");
  const secret = set(options.secret) ?? set(env.WORKFLOW_SECRET);
  const logLevel = (set(options.logLevel) ?? set(env.WORKFLOW_LOG_LEVEL) ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw invalidSetting("WORKFLOW_LOG_LEVEL", logLevel, `one of ${LOG_LEVELS.join(", ")}`);
  const logFormat = (set(options.logFormat) ?? set(env.WORKFLOW_LOG_FORMAT) ?? "text") as LogFormat;
  if (logFormat !== "text" && logFormat !== "json")
    throw invalidSetting("WORKFLOW_LOG_FORMAT", logFormat, "one of text, json");
  const hostList = set(env.WORKFLOW_ALLOWED_HOSTS);
  const allowedHosts =
    options.allowedHosts === true || hostList?.trim() === "*"
      ? true
      : (options.allowedHosts ?? hostList?.split(",") ?? [])
          .map((h) => h.trim().toLowerCase())
          .filter((h) => h !== "");
  const timeout = options.bodyTimeoutMs ?? set(env.WORKFLOW_BODY_TIMEOUT_MS) ?? DEFAULT_BODY_TIMEOUT_MS;
  const bodyTimeoutMs = Number(timeout);
  if (!Number.isInteger(bodyTimeoutMs) || bodyTimeoutMs <= 0)
    throw invalidSetting(
      "WORKFLOW_BODY_TIMEOUT_MS",
      String(timeout),
      "a whole number of milliseconds above 0",
    );
  return {
    root,
    dataDir,
    publicUrl,
    trustProxy: options.trustProxy ?? false,
    ...(secret && { secret }),
    logLevel,
    logFormat,
    allowedHosts,
    bodyTimeoutMs,
  };
}

function invalidSetting(name: string, value: string, allowed: string): WorkflowError {
  return new WorkflowError(
    "WF_CONFIG_INVALID",
    `${name} (or its option) is "${value}", which is not ${allowed}.`,
    `Set it to ${allowed}, or unset it for the default.`,
  );
}
