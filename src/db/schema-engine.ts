import { readFile } from "node:fs/promises";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg" with { "resolution-mode": "import" };
import { MigrationAdapterFactory } from "./migration-adapter";

export type { SchemaEngine };

type SchemaEngineModule = typeof import("@prisma/schema-engine-wasm/schema_engine_bg", {
  with: { "resolution-mode": "import" },
});

// Node has WebAssembly; the ES2022 lib without DOM does not declare it.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let loaded: Promise<SchemaEngineModule> | undefined;

/**
 * Prisma's schema engine compiled to WebAssembly (the native one cannot be downloaded here), instantiated
 * once per process. The package is ESM-only, hence the dynamic import; its glue module keeps the instance
 * in module state, so a second instantiation would clobber the first.
 */
function loadSchemaEngine(): Promise<SchemaEngineModule> {
  loaded ??= instantiate().catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

/** Whether this process has loaded the engine (it stays resident): for tests of when it is needed. */
export function schemaEngineLoaded(): boolean {
  return loaded !== undefined;
}

let lastPanicMessage: string | undefined;

async function instantiate(): Promise<SchemaEngineModule> {
  // Where the engine reports a Rust panic's message (the Prisma CLI installs the same hook). A panic often
  // surfaces as an uncaught RuntimeError ("unreachable") that no caller can catch, so it is printed here too.
  const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  globals.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message: (message) => {
      lastPanicMessage = message;
      process.stderr.write(`prisma schema engine panic: ${message}\n`);
    },
  };
  const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
  const packageDir = path.dirname(require.resolve("@prisma/schema-engine-wasm"));
  const bytes = await readFile(path.join(packageDir, "schema_engine_bg.wasm"));
  const imports: Record<string, unknown> = { ...glue };
  // The engine arms a timer (about 10 s) and never clears it, which would keep Node, and every
  // command that migrates, alive after the work is done. An unref'd timer still fires, but does not hold the process.
  for (const name of Object.keys(imports).filter((key) => key.startsWith("__wbg_setTimeout_"))) {
    imports[name] = (callback: () => void, delayMs: number) => setTimeout(callback, delayMs >>> 0).unref();
  }
  const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": imports });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

export interface EngineOptions {
  /** Any database on the server to migrate; shadow databases are created next to it. */
  databaseUrl: string;
  schemaPath: string;
  /** The engine's own log lines (JSON), for debugging. */
  onEngineLog?: (line: string) => void;
}

/** Runs `work` with a fresh engine, then frees it and closes every connection it opened. */
export async function withSchemaEngine<T>(
  options: EngineOptions,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const glue = await loadSchemaEngine();
  const schema = await readFile(options.schemaPath, "utf8");
  const factory = new MigrationAdapterFactory(options.databaseUrl);
  const onLog = options.onEngineLog ?? (() => undefined);
  let engine: SchemaEngine | undefined;
  try {
    engine = await glue.SchemaEngine.new(
      { datamodels: [[options.schemaPath, schema]] },
      (line: string) => onLog(line),
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    return await work(engine);
  } catch (error) {
    const panic = lastPanicMessage;
    lastPanicMessage = undefined;
    throw panic === undefined ? asError(error) : new Error(`the schema engine panicked: ${panic}`, { cause: error });
  } finally {
    engine?.free();
    await factory.disposeAll();
  }
}

/** The engine rejects with plain objects or JSON strings; give callers an Error with a readable message. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (typeof error === "string") return new Error(error);
  const message = (error as { message?: unknown } | null)?.message;
  return new Error(typeof message === "string" ? message : JSON.stringify(error), { cause: error });
}
