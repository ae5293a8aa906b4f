import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The UI is built once into dist/ui/ and served as static files; relative
// asset URLs let it be mounted under any path (`/`, `/.well-known/workflow/v1/ui/`).
export default defineConfig({
  root: "src/app",
  base: "./",
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  build: {
    outDir: "../../dist/ui",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    reportCompressedSize: false,
  },
});
