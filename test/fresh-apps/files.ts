// The few files of a brand-new Next.js app and a brand-new Vite app, written
// the way docs/install.md tells a user to: the umbrella package under the name
// `workflow`, one workflow with a webhook, and routes to start it and read it.
// Versions are the ones this repository uses, so npm's cache serves them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string }>;
};

/** The version of `name` installed in this repository (from package-lock.json). */
function repoVersion(name: string): string {
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/** Tarball paths by package name, as scripts/pack.mjs --json prints them. */
export type Tarballs = Record<string, string>;

/**
 * package.json of a fresh app: `workflow` is the umbrella tarball under its
 * alias, and every other @wfkit/* package comes from its tarball through
 * `overrides` (a real install gets them from the registry).
 */
function manifest(name: string, tarballs: Tarballs, extra: Record<string, unknown>) {
  const { "@wfkit/workflow": umbrella, ...rest } = tarballs;
  if (!umbrella) throw new Error("no @wfkit/workflow tarball");
  const { dependencies, devDependencies, ...fields } = extra as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  return `${JSON.stringify(
    {
      name,
      private: true,
      type: "module",
      ...fields,
      dependencies: { ...dependencies, workflow: `file:${umbrella}` },
      devDependencies,
      overrides: Object.fromEntries(Object.entries(rest).map(([pkg, file]) => [pkg, `file:${file}`])),
      // Packages whose install scripts may run (npm asks for the list; see docs/install.md).
      allowScripts: { "better-sqlite3": true, esbuild: true },
    },
    null,
    2,
  )}\n`;
}

/** One workflow: waits for a webhook, then charges in a step. The same file in both apps. */
const ORDER_WORKFLOW = `import { createWebhook, getWorkflowMetadata, waitForWebhook } from "workflow";
import { saveWebhookUrl } from "../lib/webhook-urls";

async function publishUrl(runId: string, url: string) {
  "use step";
  saveWebhookUrl(runId, url);
}

async function charge(orderId: string, cents: number) {
  "use step";
  return { receipt: \`rcpt-\${orderId}-\${cents}\` };
}

export async function processOrder(orderId: string) {
  "use workflow";
  const webhook = createWebhook();
  await publishUrl(getWorkflowMetadata().workflowRunId, webhook.url);
  const paid = await waitForWebhook(webhook, "1h");
  if (paid.timeout) return { orderId, status: "expired" };
  const { cents } = (await paid.request.json()) as { cents: number };
  return { orderId, status: "paid", ...(await charge(orderId, cents)) };
}
`;

/** Where the routes find a run's webhook URL: one process, one map (a real app would use its database). */
const WEBHOOK_URLS = `const KEY = Symbol.for("fresh-app.webhookUrls");
const urls = ((globalThis as Record<symbol, unknown>)[KEY] ??= new Map<string, string>()) as Map<string, string>;

export function saveWebhookUrl(runId: string, url: string): void {
  urls.set(runId, url);
}

export function webhookUrlOf(runId: string): string | null {
  return urls.get(runId) ?? null;
}
`;

/** A run as JSON: status, its webhook URL, and the output once it completed. */
const RUN_JSON = `async function runJson(runId: string) {
  const run = getRun(runId);
  const status = await run.status;
  const output = status === "completed" ? await run.returnValue : null;
  return { runId, status, webhookUrl: webhookUrlOf(runId), output };
}`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["dom", "dom.iterable", "esnext"],
    skipLibCheck: true,
    strict: true,
    noEmit: true,
    esModuleInterop: true,
    module: "esnext",
    moduleResolution: "bundler",
    resolveJsonModule: true,
    isolatedModules: true,
    jsx: "react-jsx",
    plugins: [{ name: "next" }],
  },
  include: ["next-env.d.ts", "**/*.ts", "**/*.tsx", ".next/types/**/*.ts"],
  exclude: ["node_modules"],
};

/** The files of a fresh Next.js app (App Router), by relative path. */
export function nextAppFiles(tarballs: Tarballs): Record<string, string> {
  return {
    "package.json": manifest("fresh-next-app", tarballs, {
      scripts: { build: "next build", start: "next start" },
      dependencies: {
        next: repoVersion("next"),
        react: repoVersion("react"),
        "react-dom": repoVersion("react-dom"),
      },
      devDependencies: {
        "@types/node": repoVersion("@types/node"),
        "@types/react": repoVersion("@types/react"),
        typescript: repoVersion("typescript"),
      },
    }),
    "tsconfig.json": `${JSON.stringify(TSCONFIG, null, 2)}\n`,
    "next.config.mjs": `import { withWorkflow } from "workflow/next";\n\nexport default withWorkflow({});\n`,
    "app/layout.tsx": `export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
`,
    "app/page.tsx": `export default function Page() {\n  return <p>fresh next app</p>;\n}\n`,
    "app/api/start/route.ts": `import { start } from "workflow/api";
import { processOrder } from "../../../workflows/order";

export async function POST(request: Request) {
  const { orderId } = (await request.json()) as { orderId: string };
  const run = await start(processOrder, [orderId]);
  return Response.json({ runId: run.runId }, { status: 201 });
}
`,
    "app/api/runs/[runId]/route.ts": `import { getRun } from "workflow/api";
import { webhookUrlOf } from "../../../../lib/webhook-urls";

${RUN_JSON}

export async function GET(_request: Request, { params }: { params: Promise<{ runId: string }> }) {
  return Response.json(await runJson((await params).runId));
}
`,
    "lib/webhook-urls.ts": WEBHOOK_URLS,
    "workflows/order.ts": ORDER_WORKFLOW,
  };
}

/** The files of a fresh Vite app: the plugin with an `api` module, and the production server of docs/vite.md. */
export function viteAppFiles(tarballs: Tarballs): Record<string, string> {
  return {
    "package.json": manifest("fresh-vite-app", tarballs, {
      scripts: { build: "vite build", start: "node server.mjs" },
      dependencies: {},
      devDependencies: { vite: repoVersion("vite") },
    }),
    "vite.config.ts": `import { defineConfig } from "vite";
import { workflow } from "workflow/vite";

export default defineConfig({ plugins: [workflow({ api: "src/api.ts" })] });
`,
    "index.html": `<!doctype html>\n<html>\n  <body>\n    <p>fresh vite app</p>\n    <script type="module" src="/src/main.ts"></script>\n  </body>\n</html>\n`,
    "src/main.ts": `document.title = "fresh vite app";\n`,
    "src/api.ts": `import { getRun, start } from "workflow/api";
import { processOrder } from "../workflows/order";
import { webhookUrlOf } from "../lib/webhook-urls";

${RUN_JSON}

export default async function api(request: Request): Promise<Response | undefined> {
  const { pathname } = new URL(request.url);
  if (pathname === "/api/start" && request.method === "POST") {
    const { orderId } = (await request.json()) as { orderId: string };
    const run = await start(processOrder, [orderId]);
    return Response.json({ runId: run.runId }, { status: 201 });
  }
  const match = /^\\/api\\/runs\\/([^/]+)$/.exec(pathname);
  if (match) return Response.json(await runJson(match[1]!));
  return undefined;
}
`,
    "server.mjs": `import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createWorkflowServer, toNodeHandler } from "workflow/vite/server";
import api from "./dist/server/api.js";

const root = path.dirname(fileURLToPath(import.meta.url));
const workflow = createWorkflowServer({ root });
const apiRoutes = toNodeHandler(api);
const page = readFileSync(path.join(root, "dist/client/index.html"));

const server = createServer((req, res) => {
  workflow.nodeHandler(req, res, () =>
    apiRoutes(req, res, () => res.writeHead(200, { "content-type": "text/html" }).end(page)),
  );
});
server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  const origin = \`http://127.0.0.1:\${server.address().port}\`;
  workflow.setOrigin(origin);
  console.log(\`fresh vite app listening on \${origin}\`);
});
process.on("SIGTERM", async () => {
  server.close();
  server.closeAllConnections();
  await workflow.close();
  process.exit(0);
});
`,
    "lib/webhook-urls.ts": WEBHOOK_URLS,
    "workflows/order.ts": ORDER_WORKFLOW,
  };
}
