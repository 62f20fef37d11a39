import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by imagegate at /console (src/http/console.ts): every asset is local, named by its content hash.
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  // One React: the root's node_modules holds React 18 for GraphiQL's prebuilt files, and react-chartjs-2, hoisted
  // there, would otherwise bundle it beside the console's React 19.
  // @imagegate/sdk from its source, not its dist/: the bundle then takes only the documents and code pages use, and
  // a change to the SDK shows here without building it first.
  resolve: {
    dedupe: ["react", "react-dom"],
    alias: { "@imagegate/sdk": fileURLToPath(new URL("../sdk/src/index.ts", import.meta.url)) },
  },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 700 },
});
