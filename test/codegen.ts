// `npm run codegen`: typed documents for the end-to-end tests' operations (test/**/*.graphql), checked against the
// committed schema.graphql, written to test/generated/graphql.ts; CI fails when that file is stale.
// GraphQL Code Generator's core and two plugins, called directly: every version of its CLI pulls in loaders (URL,
// GitHub, Apollo Engine) whose dependencies need Node 22 (README, "Node versions"), and we read two local files. What
// to generate is codegen.yml, in the CLI's format: the schema, one output, its plugins and their config.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { codegen } from "@graphql-codegen/core";
import * as typedDocumentNode from "@graphql-codegen/typed-document-node";
import * as typescriptOperations from "@graphql-codegen/typescript-operations";
import { buildSchema, lexicographicSortSchema, parse, printSchema } from "graphql";
import { parse as parseYaml } from "yaml";

const ROOT = path.resolve(__dirname, "..");
interface CodegenYml {
  schema: string;
  generates: Record<string, { plugins: string[]; config: Record<string, unknown> }>;
}

const SETTINGS = parseYaml(readFileSync(path.join(ROOT, "codegen.yml"), "utf8")) as CodegenYml;
const [[OUTPUT, TARGET]] = Object.entries(SETTINGS.generates) as [[string, CodegenYml["generates"][string]]];
const PLUGINS = { "typescript-operations": typescriptOperations, "typed-document-node": typedDocumentNode };

/** Every .graphql file under test/, in path order (the order the documents' types are written in). */
function documentFiles(): string[] {
  return readdirSync(path.join(ROOT, "test"), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".graphql"))
    .map((file) => path.join("test", file))
    .sort();
}

async function main(): Promise<void> {
  // Sorted, as the CLI loaded it: the output lists types in schema order.
  const schemaAst = lexicographicSortSchema(buildSchema(readFileSync(path.join(ROOT, SETTINGS.schema), "utf8")));
  const documents = documentFiles().map((location) => ({
    location,
    document: parse(readFileSync(path.join(ROOT, location), "utf8")),
  }));
  const output = await codegen({
    filename: OUTPUT,
    schema: parse(printSchema(schemaAst)),
    schemaAst,
    documents,
    plugins: TARGET.plugins.map((name) => ({ [name]: {} })),
    pluginMap: PLUGINS,
    config: { ...TARGET.config, emitLegacyCommonJSImports: true },
  });
  writeFileSync(path.join(ROOT, OUTPUT), output);
  process.stdout.write(`wrote ${OUTPUT} (${documents.length} documents)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
