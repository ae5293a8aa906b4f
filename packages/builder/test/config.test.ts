// resolveConfig: explicit option, else environment variable, else default.
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/server/config.js";

const root = "/srv/app";

describe("resolveConfig", () => {
  it("uses the defaults when neither an option nor the environment sets a value", () => {
    expect(resolveConfig({ root }, {})).toEqual({
      root,
      dataDir: "/srv/app/.workflow-data",
      publicUrl: undefined,
      trustProxy: false,
      logLevel: "info",
      logFormat: "text",
    });
  });

  it("takes WORKFLOW_DATA_DIR and WORKFLOW_PUBLIC_URL over the defaults", () => {
    const env = { WORKFLOW_DATA_DIR: "/data/wf", WORKFLOW_PUBLIC_URL: "https://app.example.com/" };
    expect(resolveConfig({ root }, env)).toMatchObject({
      dataDir: "/data/wf",
      publicUrl: "https://app.example.com",
    });
  });

  it("lets an explicit option beat its environment variable", () => {
    const env = { WORKFLOW_DATA_DIR: "/data/wf", WORKFLOW_PUBLIC_URL: "https://env.example.com" };
    expect(
      resolveConfig({ root, dataDir: "/data/option", publicUrl: "https://option.example.com//" }, env),
    ).toMatchObject({ dataDir: "/data/option", publicUrl: "https://option.example.com" });
  });

  it("treats empty strings as unset and resolves a relative data folder against the root", () => {
    expect(
      resolveConfig({ root, dataDir: "" }, { WORKFLOW_DATA_DIR: "runs", WORKFLOW_PUBLIC_URL: "" }),
    ).toEqual({
      root,
      dataDir: "/srv/app/runs",
      publicUrl: undefined,
      trustProxy: false,
      logLevel: "info",
      logFormat: "text",
    });
  });

  it("reads WORKFLOW_POSTGRES_URL, the option first; unset (or empty) means the embedded SQLite World", () => {
    const env = { WORKFLOW_POSTGRES_URL: "postgres://env@db/app" };
    expect(resolveConfig({ root }, env).postgresUrl).toBe("postgres://env@db/app");
    expect(resolveConfig({ root, postgresUrl: "postgres://opt@db/app" }, env).postgresUrl).toBe(
      "postgres://opt@db/app",
    );
    expect(resolveConfig({ root }, { WORKFLOW_POSTGRES_URL: "" })).not.toHaveProperty("postgresUrl");
    expect(resolveConfig({ root }, {})).not.toHaveProperty("postgresUrl");
  });

  it("never reads trustProxy from the environment", () => {
    expect(resolveConfig({ root }, { WORKFLOW_TRUST_PROXY: "1" }).trustProxy).toBe(false);
    expect(resolveConfig({ root, trustProxy: true }, {}).trustProxy).toBe(true);
  });

  it("reads WORKFLOW_LOG_LEVEL and WORKFLOW_LOG_FORMAT, the options first, and refuses unknown values", () => {
    const env = { WORKFLOW_LOG_LEVEL: "debug", WORKFLOW_LOG_FORMAT: "json" };
    expect(resolveConfig({ root }, env)).toMatchObject({ logLevel: "debug", logFormat: "json" });
    expect(resolveConfig({ root, logLevel: "warn", logFormat: "text" }, env)).toMatchObject({
      logLevel: "warn",
      logFormat: "text",
    });
    expect(() => resolveConfig({ root }, { WORKFLOW_LOG_LEVEL: "verbose" })).toThrow(/WORKFLOW_LOG_LEVEL/);
    expect(() => resolveConfig({ root }, { WORKFLOW_LOG_FORMAT: "xml" })).toThrow(
      expect.objectContaining({ code: "WF_CONFIG_INVALID" }),
    );
  });
});
