import { defineConfig } from "vitest/config";

// Tests run against TypeScript sources through the "source" export condition,
// so unit tests never need a build; end-to-end tests spawn the built `dist/`.
export default defineConfig({
  resolve: { conditions: ["source", "module", "node", "default"] },
  // No "module" in Node's own resolution (the test workers get these as --conditions): it is a
  // bundlers' condition, and packages such as @opentelemetry/api point it at builds Node cannot load.
  ssr: { resolve: { conditions: ["source", "node", "default"], externalConditions: ["source"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "playground/*/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
