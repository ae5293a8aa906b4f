// Adds the client-mode loader to both of Next's bundlers.
import { fileURLToPath } from "node:url";
import { CLIENT_COMPILED, SOURCE } from "@wfkit/builder/discover";
import type { NextConfig } from "next";
import type { LoaderOptions } from "./loader.js";

type TurbopackRules = NonNullable<NonNullable<NextConfig["turbopack"]>["rules"]>;
type TurbopackRule = TurbopackRules[string];

/** Absolute path of the built loader (next to this file). */
export const LOADER_PATH = fileURLToPath(
  new URL(`./loader${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url),
);

/** The Turbopack rule key; a rule list of its own so it never replaces a user's rule. */
const RULE_KEY = "*";

/** `turbopack.rules` with the loader added for app files that contain a directive. */
export function withTurbopackRule(rules: TurbopackRules | undefined, options: LoaderOptions): TurbopackRules {
  const ours = {
    // Only the app's own files ("foreign" is node_modules), and only those with a directive
    // or a serializable class.
    condition: { all: [{ not: "foreign" as const }, { path: SOURCE }, { content: CLIENT_COMPILED }] },
    loaders: [{ loader: LOADER_PATH, options: { ...options } }],
  };
  const existing = rules?.[RULE_KEY];
  const list: TurbopackRule =
    existing === undefined ? [ours] : [ours, ...(Array.isArray(existing) ? existing : [existing])];
  return { ...rules, [RULE_KEY]: list };
}

/** Wraps a `webpack(config, context)` hook so the loader runs first on app source files. */
export function withWebpackRule(
  userWebpack: NextConfig["webpack"],
  options: LoaderOptions,
): NonNullable<NextConfig["webpack"]> {
  return (config, context) => {
    const result = userWebpack ? userWebpack(config, context) : config;
    result.module ??= {};
    result.module.rules ??= [];
    result.module.rules.unshift({
      test: SOURCE,
      exclude: /[\\/]node_modules[\\/]/,
      // "pre": before Next's SWC loader, so the compiler sees the original source.
      enforce: "pre",
      use: [{ loader: LOADER_PATH, options }],
    });
    return result;
  };
}
