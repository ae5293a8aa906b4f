import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LOADER_PATH } from "../src/bundler.js";
import workflowLoader from "../src/loader.js";
import { resolveOptions } from "../src/options.js";
import { asAddressed } from "../src/request-url.js";
import { GET } from "../src/route.js";
import { withWorkflow } from "../src/with-workflow.js";

const dirs: string[] = [];
function app(withAppDir = true): string {
  const dir = mkdtempSync(path.join(tmpdir(), "wfkit-next-unit-"));
  dirs.push(dir);
  if (withAppDir) mkdirSync(path.join(dir, "app"));
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const BUILD = "phase-production-build";
const routeFile = (root: string) =>
  path.join(root, "app", ".well-known", "workflow", "v1", "[...path]", "route.js");

describe("withWorkflow", () => {
  it("keeps the user's config and adds externals, the Turbopack rule and the webpack rule", async () => {
    const root = app();
    const userRule = { loaders: ["user-loader"] };
    const seen: string[] = [];
    const config = await withWorkflow(
      (phase) => {
        seen.push(phase);
        return {
          reactStrictMode: true,
          serverExternalPackages: ["sharp"],
          turbopack: { rules: { "*": userRule, "*.svg": { loaders: ["svgr"], as: "*.js" } } },
          webpack: (c: { marker?: boolean }) => ({ ...c, marker: true }),
        };
      },
      { root },
    )(BUILD, { defaultConfig: {} });

    expect(seen).toEqual([BUILD]);
    expect(config.reactStrictMode).toBe(true);
    expect(config.serverExternalPackages).toEqual(
      expect.arrayContaining(["sharp", "workflow", "@wfkit/core", "esbuild"]),
    );
    const rules = config.turbopack!.rules!;
    expect(rules["*.svg"]).toEqual({ loaders: ["svgr"], as: "*.js" });
    const star = rules["*"] as Array<{ loaders: Array<{ loader: string; options: unknown }> }>;
    expect(star).toHaveLength(2);
    expect(star[0]!.loaders[0]).toEqual({
      loader: LOADER_PATH,
      options: { root, runtimeModule: "workflow/internal" },
    });
    expect(star[1]).toBe(userRule);

    const out = config.webpack!({ module: { rules: [{ test: /x/ }] } }, {} as never);
    expect(out.marker).toBe(true);
    expect(out.module.rules[0]).toMatchObject({ enforce: "pre", use: [{ loader: LOADER_PATH }] });
    expect(out.module.rules).toHaveLength(2);
  });

  it("generates the catch-all route file, and leaves it alone when unchanged", async () => {
    const root = app();
    const config = withWorkflow({}, { root, routeModule: "workflow/next/route" });
    await config(BUILD, { defaultConfig: {} });
    const file = routeFile(root);
    expect(readFileSync(file, "utf8")).toContain('from "workflow/next/route"');
    const before = statSync(file).mtimeMs;
    await config(BUILD, { defaultConfig: {} });
    expect(statSync(file).mtimeMs).toBe(before);
  });

  it("finds src/app too", async () => {
    const root = app(false);
    mkdirSync(path.join(root, "src", "app"), { recursive: true });
    await withWorkflow({}, { root })(BUILD, { defaultConfig: {} });
    expect(
      statSync(
        path.join(root, "src", "app", ".well-known", "workflow", "v1", "[...path]", "route.js"),
      ).isFile(),
    ).toBe(true);
  });

  it("fails with WF_NEXT_NO_APP_DIR without an App Router directory", async () => {
    const root = app(false);
    await expect(withWorkflow({}, { root })(BUILD, { defaultConfig: {} })).rejects.toMatchObject({
      code: "WF_NEXT_NO_APP_DIR",
    });
  });
});

describe("resolveOptions", () => {
  it("takes the data dir and public URL from the options first, then from the environment", () => {
    const root = "/srv/app";
    expect(resolveOptions({ root }, ".next", {})).toMatchObject({
      dataDir: "/srv/app/.workflow-data",
      buildDir: "/srv/app/.next/cache/wfkit",
      publicUrl: undefined,
      trustProxy: false,
    });
    const env = { WORKFLOW_DATA_DIR: "/data/wf", WORKFLOW_PUBLIC_URL: "https://example.com/" };
    expect(resolveOptions({ root, dataDir: "x", publicUrl: "https://other.test" }, "out", env)).toMatchObject(
      {
        dataDir: "/srv/app/x",
        buildDir: "/srv/app/out/cache/wfkit",
        publicUrl: "https://other.test",
      },
    );
    expect(resolveOptions({ root }, ".next", env)).toMatchObject({
      dataDir: "/data/wf",
      publicUrl: "https://example.com",
    });
  });
});

describe("asAddressed", () => {
  it("rebuilds the URL from Host / X-Forwarded-* and keeps the body", async () => {
    const request = new Request("http://localhost:3000/.well-known/workflow/v1/webhook/t?x=1", {
      method: "POST",
      headers: { host: "127.0.0.1:4000", "content-type": "text/plain" },
      body: "hi",
    });
    const addressed = asAddressed(request);
    expect(addressed.url).toBe("http://127.0.0.1:4000/.well-known/workflow/v1/webhook/t?x=1");
    expect(await addressed.text()).toBe("hi");

    const proxied = new Request("http://localhost:3000/a", {
      headers: { host: "10.0.0.1", "x-forwarded-host": "app.example.com", "x-forwarded-proto": "https" },
    });
    expect(asAddressed(proxied).url).toBe("https://app.example.com/a");
  });
});

describe("route", () => {
  it("answers 503 WF_RUNTIME_UNAVAILABLE where no runtime was started", async () => {
    const response = await GET(new Request("http://localhost/.well-known/workflow/v1/health"));
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe("WF_RUNTIME_UNAVAILABLE");
  });
});

describe("loader", () => {
  function load(source: string, resourcePath: string): Promise<{ error: Error | null; code?: string }> {
    return new Promise((resolve) => {
      const warnings: Error[] = [];
      workflowLoader.call(
        {
          resourcePath,
          getOptions: () => ({ root: "/repo" }),
          async: () => (error, code) => resolve({ error, code }),
          emitWarning: (warning) => warnings.push(warning),
        },
        source,
      );
    });
  }

  it("passes files without directives and files in node_modules through", async () => {
    const plain = "export const x = 1;\n";
    expect(await load(plain, "/repo/lib/x.ts")).toEqual({ error: null, code: plain });
    const dep = 'export async function w() { "use workflow"; }\n';
    expect(await load(dep, "/repo/node_modules/dep/index.js")).toEqual({ error: null, code: dep });
  });

  it("compiles workflow files in client mode", async () => {
    const { error, code } = await load(
      'export async function w() {\n  "use workflow";\n  return 1;\n}\n',
      "/repo/workflows/w.ts",
    );
    expect(error).toBeNull();
    expect(code).toContain('import * as __wf from "workflow/internal"');
    expect(code).toContain('__wf.markWorkflow(w, "workflow//workflows/w//w")');
  });

  it("fails the module with the compiler's error codes", async () => {
    const { error } = await load('export function w() {\n  "use workflow";\n}\n', "/repo/workflows/bad.ts");
    expect(error?.message).toMatch(/WF_C001_DIRECTIVE_NOT_ASYNC/);
  });
});
