import { defineConfig } from "prisma/config";

// The CLI insists on a native schema engine even for `generate`, and the native engine cannot be downloaded
// here. Pointing it at Node itself lets generate/validate/format run, while `prisma migrate` fails loudly:
// migrations go through our own runner on the engine's WebAssembly build (src/db/migrations).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
