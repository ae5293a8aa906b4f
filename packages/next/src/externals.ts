/** The package name of a module specifier (`"@scope/pkg/sub"` → `"@scope/pkg"`). */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * Packages Next must load with Node instead of bundling: the builder compiles
 * with esbuild, Worlds open native databases, and every import of the runtime
 * in a server process must reach the same instance. The World's own package
 * comes from the caller (`serverExternalPackages` option).
 */
export function externalPackages(...modules: string[]): string[] {
  return [
    ...new Set([
      "workflow",
      "@wfkit/core",
      "@wfkit/builder",
      "@wfkit/next",
      "@wfkit/world",
      "@wfkit/compiler",
      "esbuild",
      ...modules.map(packageOf),
    ]),
  ];
}
