// Prints the size of the built web UI, gzipped as a server would send it: the
// figure docs/observability.md quotes. Run by `npm run build` after Vite.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const assets = fileURLToPath(new URL("../dist/ui/assets/", import.meta.url));
const sizes = { ".js": [0, 0], ".css": [0, 0] };
for (const name of readdirSync(assets)) {
  const size = sizes[path.extname(name)];
  if (!size) continue;
  const bytes = readFileSync(path.join(assets, name));
  size[0] += bytes.length;
  size[1] += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
const [js, jsGz] = sizes[".js"];
const [css, cssGz] = sizes[".css"];
console.log(
  `@wfkit/web: ${kb(jsGz + cssGz)} gzipped (JS ${kb(jsGz)} of ${kb(js)}, CSS ${kb(cssGz)} of ${kb(css)})`,
);
