#!/usr/bin/env node
// CI: runs the commands the README shows, as written, at the repository root
// (.ci/run calls it after `npm install && npm run demo` and `npm test`).
//
//   node scripts/readme-commands.mjs [file.md ...]      (default: README.md)
//
// Which commands:
// - every line of a fenced bash/sh block (blank lines and `#` comments aside;
//   a trailing ` # comment` is dropped), unless the line before the block is
//   `<!-- ci: run by .ci/run -->` (then each command must appear verbatim in
//   .ci/run, which ran it) or `<!-- ci: skip <why> -->` (printed, not run);
// - an inline `command` followed by `<!-- ci -->`;
// - an inline `command` followed by `<!-- ci: serve <url> -->`: a long-running
//   one. It is started, <url> is fetched until it answers 2xx, then it is
//   stopped with SIGINT (Ctrl-C) and must exit 0 or by that signal.
// A command fails on a non-zero exit or after --timeout minutes (default 20).
// CI is unset for the commands (a flag such as `--check` must do its job), and
// npx may not download anything: `npx wf` must be this repository's bin.
import { spawn } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const timeoutMinutes = args.includes("--timeout") ? Number(args[args.indexOf("--timeout") + 1]) : 20;
const files = args.filter((arg, i) => !arg.startsWith("--") && args[i - 1] !== "--timeout");
const ciRun = readFileSync(path.join(root, ".ci/run"), "utf8");

/** Drops a trailing ` # comment` that is outside quotes. */
function stripComment(line) {
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && /\s/.test(line[i - 1] ?? "")) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** The commands of one Markdown file: { command, kind: "run" | "serve" | "ci-run" | "skip", url?, why?, where }. */
export function extractCommands(markdown, file) {
  const found = [];
  const lines = markdown.split("\n");
  let fence = null;
  let marker = null;
  let prose = [];
  const flushProse = () => {
    const text = prose.map(({ text }) => text).join("\n");
    for (const match of text.matchAll(/`([^`\n]+)`\s*<!--\s*ci(?::\s*([^>]*?))?\s*-->/g)) {
      const line = prose[0].number + text.slice(0, match.index).split("\n").length - 1;
      const where = `${file}:${line}`;
      const option = (match[2] ?? "").trim();
      if (option === "") found.push({ command: match[1], kind: "run", where });
      else if (option.startsWith("serve "))
        found.push({ command: match[1], kind: "serve", url: option.slice(6).trim(), where });
      else throw new Error(`${where}: unknown marker <!-- ci: ${option} -->`);
    }
    prose = [];
  };
  lines.forEach((line, index) => {
    const number = index + 1;
    const open = /^```(\w*)/.exec(line);
    if (fence) {
      if (line.startsWith("```")) fence = null;
      else if (fence.shell) {
        const command = stripComment(line.trim());
        if (command && !command.startsWith("#"))
          found.push({
            command,
            kind: fence.marker?.kind ?? "run",
            why: fence.marker?.why,
            where: `${file}:${number}`,
          });
      }
      return;
    }
    if (open) {
      flushProse();
      fence = { shell: ["bash", "sh", "shell"].includes(open[1]), marker };
      marker = null;
      return;
    }
    const comment = /^<!--\s*ci:\s*(run by \.ci\/run|skip\b(.*))\s*-->\s*$/.exec(line.trim());
    if (comment)
      marker = comment[2] !== undefined ? { kind: "skip", why: comment[2].trim() } : { kind: "ci-run" };
    else if (line.trim() !== "") marker = null;
    prose.push({ text: line, number });
  });
  flushProse();
  return found;
}

function childEnv() {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", npm_config_yes: "false" };
  delete env.CI;
  return env;
}

/** Runs a command with bash at the root; resolves with its exit code (null on timeout). */
function runCommand(command) {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", command], {
      cwd: root,
      env: childEnv(),
      stdio: "inherit",
      detached: true,
    });
    const timer = setTimeout(() => {
      console.error(`\n  ${command}: no exit after ${timeoutMinutes} min; stopping it.`);
      process.kill(-child.pid, "SIGKILL");
      resolve(null);
    }, timeoutMinutes * 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Starts a long-running command, waits for `url` to answer 2xx, stops it with SIGINT; true when all went well. */
async function serveCommand(command, url) {
  const child = spawn("bash", ["-c", `exec ${command}`], {
    cwd: root,
    env: childEnv(),
    stdio: "inherit",
    detached: true,
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  let ended = null;
  void exited.then((result) => {
    ended = result;
  });
  const deadline = Date.now() + 3 * 60_000;
  let answer = null;
  while (!ended && Date.now() < deadline) {
    answer = await fetch(url).then(
      async (response) => (response.ok ? { status: response.status, body: await response.text() } : null),
      () => null,
    );
    if (answer) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (ended) {
    console.error(`  ${command} exited (${ended.code ?? ended.signal}) before ${url} answered.`);
    return false;
  }
  if (answer) console.log(`  GET ${url} → ${answer.status} ${answer.body.slice(0, 400)}`);
  else console.error(`  ${url} did not answer 2xx within 3 min.`);
  process.kill(-child.pid, "SIGINT");
  const stop = setTimeout(() => process.kill(-child.pid, "SIGKILL"), 20_000);
  const { code, signal } = await exited;
  clearTimeout(stop);
  // As with Ctrl-C in a terminal, SIGINT reaches the whole group: a wrapper such
  // as npx may end by the signal itself while the command inside exits cleanly.
  const stopped = code === 0 || code === 130 || signal === "SIGINT";
  if (!stopped) console.error(`  ${command} exited ${code ?? signal} after SIGINT (expected 0 or SIGINT).`);
  return answer !== null && stopped;
}

async function main() {
  const commands = (files.length ? files : ["README.md"]).flatMap((file) =>
    extractCommands(readFileSync(path.resolve(root, file), "utf8"), file),
  );
  // npx resolves node_modules/.bin first: it must be this repository's wf, linked by the install.
  const wf = realpathSync(path.join(root, "node_modules/.bin/wf"));
  console.log(
    `readme-commands: ${commands.length} commands; node_modules/.bin/wf is ${path.relative(root, wf)}`,
  );
  if (!wf.startsWith(path.join(root, "packages") + path.sep))
    throw new Error(`node_modules/.bin/wf is not ours: ${wf}`);

  const results = [];
  for (const { command, kind, url, why, where } of commands) {
    const started = Date.now();
    let ok;
    let note = "";
    if (kind === "skip") {
      console.log(`\n- ${where} skipped: ${command}\n  (${why})`);
      results.push({ command, where, status: "skipped" });
      continue;
    }
    if (kind === "ci-run") {
      ok = ciRun.includes(command);
      note = ok ? "run by .ci/run" : "missing from .ci/run";
      console.log(`\n- ${where} ${note}: ${command}`);
    } else {
      console.log(
        `\n$ ${command}    # ${where}${kind === "serve" ? ` (started, ${url} probed, stopped)` : ""}`,
      );
      ok = kind === "serve" ? await serveCommand(command, url) : (await runCommand(command)) === 0;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    results.push({
      command,
      where,
      status: ok ? "ok" : "FAILED",
      seconds: kind === "ci-run" ? undefined : seconds,
    });
  }

  console.log("\nreadme-commands summary:");
  for (const { command, where, status, seconds } of results)
    console.log(
      `  ${status.padEnd(7)} ${seconds ? `${seconds}s`.padStart(7) : "      -"}  ${where}  ${command}`,
    );
  const failed = results.filter((result) => result.status === "FAILED");
  console.log(failed.length ? `${failed.length} failed.` : "All passed.");
  process.exitCode = failed.length ? 1 : 0;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
