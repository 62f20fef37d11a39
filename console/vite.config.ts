import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by imagegate at /console (src/http/console.ts): every asset is local, named by its content hash.
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 700 },
});
