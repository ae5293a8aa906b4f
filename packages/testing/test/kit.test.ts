import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  copyApp,
  freePort,
  listenHttp,
  rawRequest,
  runChild,
  runChildOk,
  stalledRequest,
  startChild,
  startRun,
  tempDir,
  waitFor,
  waitForEnd,
} from "../src/index.js";

describe("waitFor", () => {
  it("returns the first value that is not undefined, null or false", async () => {
    let calls = 0;
    const answers = [undefined, null, false, 0];
    const value = await waitFor("a zero", () => answers[calls++]);
    expect(value).toBe(0);
    expect(calls).toBe(4);
  });

  it("treats a throwing check as not yet, and quotes its last error on timeout", async () => {
    let calls = 0;
    await expect(
      waitFor(
        "the impossible",
        () => {
          calls++;
          throw new Error(`nope ${calls}`);
        },
        { timeoutMs: 20, intervalMs: 1 },
      ),
    ).rejects.toThrow(/Timed out after 20 ms waiting for the impossible; the last check threw: nope \d+/);
    expect(calls).toBeGreaterThan(1);
  });

  it("recovers from errors when the condition later holds", async () => {
    let calls = 0;
    const value = await waitFor("the third call", async () => {
      if (++calls < 3) throw new Error("not ready");
      return "ready";
    });
    expect(value).toBe("ready");
  });
});

describe("child processes", () => {
  it("waits for a line, captures both streams, and stops the process", async () => {
    const child = startChild([
      "-e",
      'console.error("warming up"); console.log("\\u001b[32mlistening on http://127.0.0.1:4321/\\u001b[0m"); setInterval(() => {}, 1000);',
    ]);
    expect(await child.waitForUrl()).toBe("http://127.0.0.1:4321");
    const [, port] = await child.waitForOutput(/127\.0\.0\.1:(\d+)/);
    expect(port).toBe("4321");
    expect(child.stderr()).toContain("warming up");
    expect(child.output()).not.toContain("\u001b[");
    expect(await child.stop()).toBe(null); // ended by SIGTERM
    expect(await child.stop()).toBe(null); // a second stop is harmless
  });

  it("rejects a wait, quoting the output, when the process exits first", async () => {
    const child = startChild(["-e", 'console.log("bye"); process.exit(3)'], { name: "quitter" });
    await expect(child.waitForOutput(/never/)).rejects.toThrow(
      /quitter exited \(3\) before printing \/never\/:\nbye/,
    );
    expect(await child.exited).toBe(3);
  });

  it("passes the environment, removing keys set to undefined", async () => {
    process.env.WFKIT_KIT_REMOVED = "present";
    try {
      const result = await runChild(
        ["-e", "console.log(process.env.WFKIT_KIT_ADDED, process.env.WFKIT_KIT_REMOVED ?? 'gone')"],
        { env: { WFKIT_KIT_ADDED: "added", WFKIT_KIT_REMOVED: undefined } },
      );
      expect(result).toMatchObject({ code: 0, stdout: "added gone\n" });
    } finally {
      delete process.env.WFKIT_KIT_REMOVED;
    }
  });

  it("runChildOk rejects with the output when the exit code is not 0", async () => {
    await expect(
      runChildOk(["-e", "console.log('trace'); process.exit(2)"], { name: "job" }),
    ).rejects.toThrow(/job exited with 2:\ntrace/);
    expect(await runChildOk(["-e", "console.log('fine')"])).toBe("fine\n");
  });

  it("stops a whole process group", async () => {
    const child = startChild(
      [
        "-e",
        `const { spawn } = require("node:child_process");
         const grandchild = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
         console.log("grandchild " + grandchild.pid);
         setInterval(() => {}, 1000);`,
      ],
      { group: true },
    );
    const [, pid] = await child.waitForOutput(/grandchild (\d+)/);
    await child.stop();
    await waitFor("the grandchild to end", () => !isAlive(Number(pid)));
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("copyApp", () => {
  it("copies the chosen entries, links packages, and cleans up with its empty parent", () => {
    const source = tempDir("wfkit-kit-src-");
    mkdirSync(path.join(source, "src", "skip-me"), { recursive: true });
    writeFileSync(path.join(source, "src", "main.ts"), "export {};\n");
    writeFileSync(path.join(source, "src", "skip-me", "x.ts"), "");
    writeFileSync(path.join(source, "package.json"), "{}");
    writeFileSync(path.join(source, "not-copied.txt"), "");
    const parent = path.join(tempDir("wfkit-kit-parent-"), "copies");

    const app = copyApp({
      from: source,
      entries: ["src", "package.json"],
      parent,
      prefix: "kit-",
      skip: (file) => file.endsWith("skip-me"),
      link: { "@scope/linked": source },
    });
    expect(path.basename(app.dir)).toMatch(/^kit-/);
    expect(readFileSync(path.join(app.dir, "src", "main.ts"), "utf8")).toBe("export {};\n");
    expect(existsSync(path.join(app.dir, "src", "skip-me"))).toBe(false);
    expect(existsSync(path.join(app.dir, "not-copied.txt"))).toBe(false);
    expect(realpathSync(path.join(app.dir, "node_modules", "@scope", "linked"))).toBe(realpathSync(source));

    app.cleanup();
    expect(existsSync(app.dir)).toBe(false);
    expect(existsSync(parent)).toBe(false);
    expect(existsSync(source)).toBe(true);
  });
});

describe("run helpers over HTTP", () => {
  let server: Server;
  let base: string;
  const polls = new Map<string, number>();

  beforeAll(async () => {
    const port = await freePort();
    server = createServer((request, response) => {
      if (request.method === "POST" && request.url === "/runs") {
        response.writeHead(201, { "content-type": "application/json" });
        response.end(JSON.stringify({ runId: "wrun_1", extra: "x" }));
        return;
      }
      if (request.url === "/broken") {
        response.writeHead(500).end("boom");
        return;
      }
      const n = (polls.get(request.url!) ?? 0) + 1;
      polls.set(request.url!, n);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: n < 3 ? "running" : "completed", n }));
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("starts a run and waits until it has ended", async () => {
    expect(await startRun(`${base}/runs`, { workflow: "x" })).toEqual({ runId: "wrun_1", extra: "x" });
    expect(await waitForEnd(`${base}/runs/wrun_1`)).toEqual({ status: "completed", n: 3 });
  });

  it("says what the server answered when a start fails", async () => {
    await expect(startRun(`${base}/broken`, {})).rejects.toThrow(/answered 500: boom/);
  });
});

describe("raw HTTP", () => {
  it("sends a forged Host, and reads the answer as text and JSON", async () => {
    const http = await listenHttp((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ host: req.headers.host, origin: req.headers.origin ?? null }));
    });
    try {
      const answer = await rawRequest(`${http.url}/x`, {
        headers: { host: "attacker.example", origin: "http://evil" },
      });
      expect(answer).toMatchObject({
        status: 200,
        json: { host: "attacker.example", origin: "http://evil" },
      });
    } finally {
      await http.stop();
    }
  });

  it("stalledRequest resolves once the server closes, and rejects when it holds the connection", async () => {
    const closing = await listenHttp(
      (_req, res) => {
        res.writeHead(408, { connection: "close" }).end("late");
      },
      { requestTimeout: 0 },
    );
    const holding = await listenHttp(() => {}, { requestTimeout: 0 });
    try {
      const answer = await stalledRequest(`${closing.url}/`, { declaredLength: 100, sent: "0123456789" });
      expect(answer.status).toBe(408);
      await expect(
        stalledRequest(`${holding.url}/`, { declaredLength: 100, sent: "0123456789", giveUpMs: 300 }),
      ).rejects.toThrow(/kept the connection open/);
    } finally {
      await Promise.all([closing.stop(), holding.stop()]);
    }
  });
});
