// `npm run codegen`: typed documents, checked against the committed schema.graphql, for each output codegen.yml names:
// the end-to-end tests' operations (test/generated/graphql.ts) and @imagegate/sdk's (sdk/src/generated/, with the
// client preset). CI fails when either is stale.
// GraphQL Code Generator's core, plugins and client preset, called directly: every version of its CLI pulls in loaders
// (URL, GitHub, Apollo Engine) whose dependencies need Node 22 (README, "Node versions"), and we read local files.
// codegen.yml is in the CLI's format: the schema, and per output its documents, plugins or preset, and config.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { codegen } from "@graphql-codegen/core";
import { preset as clientPreset } from "@graphql-codegen/client-preset";
import type { Types } from "@graphql-codegen/plugin-helpers";
import * as typedDocumentNode from "@graphql-codegen/typed-document-node";
import * as typescriptOperations from "@graphql-codegen/typescript-operations";
import { buildSchema, lexicographicSortSchema, parse, printSchema } from "graphql";
import { parse as parseYaml } from "yaml";

const ROOT = path.resolve(__dirname, "..");
interface Target {
  documents: string;
  plugins?: string[];
  preset?: "client";
  presetConfig?: Record<string, unknown>;
  config: Record<string, unknown>;
}
interface CodegenYml {
  schema: string;
  generates: Record<string, Target>;
}

const SETTINGS = parseYaml(readFileSync(path.join(ROOT, "codegen.yml"), "utf8")) as CodegenYml;
const PLUGINS = { "typescript-operations": typescriptOperations, "typed-document-node": typedDocumentNode };

/** The .graphql files a `<folder>/**\/*.graphql` pattern names, in path order (the order types are written in). */
function documentFiles(pattern: string): string[] {
  const folder = pattern.replace(/\/\*\*\/\*\.graphql$/, "");
  if (folder === pattern) throw new Error(`documents must be "<folder>/**/*.graphql", not ${pattern}`);
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".graphql"))
    .map((file) => path.join(folder, file))
    .sort();
}

async function generate(output: string, target: Target, schemaAst: ReturnType<typeof buildSchema>): Promise<number> {
  const documents: Types.DocumentFile[] = documentFiles(target.documents).map((location) => {
    const rawSDL = readFileSync(path.join(ROOT, location), "utf8");
    return { location, rawSDL, document: parse(rawSDL) };
  });
  const schema = parse(printSchema(schemaAst));
  if (target.preset === undefined) {
    const text = await codegen({
      filename: output,
      schema,
      schemaAst,
      documents,
      plugins: (target.plugins ?? []).map((name) => ({ [name]: {} })),
      pluginMap: PLUGINS,
      config: { emitLegacyCommonJSImports: true, ...target.config },
    });
    writeFileSync(path.join(ROOT, output), text);
    return documents.length;
  }
  const sections = await clientPreset.buildGeneratesSection({
    baseOutputDir: output,
    schema,
    schemaAst,
    documents,
    plugins: [],
    pluginMap: {},
    config: target.config,
    presetConfig: target.presetConfig ?? {},
    documentTransforms: [],
  });
  mkdirSync(path.join(ROOT, output), { recursive: true });
  // Only graphql.ts, the types and typed documents: the preset's gql.ts (and the index.ts exporting it) serves
  // documents written inline in TypeScript through graphql(), and ours are .graphql files.
  for (const section of sections.filter((each) => each.filename.endsWith("/graphql.ts"))) {
    writeFileSync(path.join(ROOT, section.filename), await codegen(section));
  }
  return documents.length;
}

async function main(): Promise<void> {
  // Sorted, as the CLI loaded it: the output lists types in schema order.
  const schemaAst = lexicographicSortSchema(buildSchema(readFileSync(path.join(ROOT, SETTINGS.schema), "utf8")));
  for (const [output, target] of Object.entries(SETTINGS.generates)) {
    const count = await generate(output, target, schemaAst);
    process.stdout.write(`wrote ${output} (${count} document files)\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
