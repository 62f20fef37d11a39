// `npm run codegen`: typed documents for the end-to-end tests' operations (test/**/*.graphql) and the console's
// (console/src/api/operations), checked against the committed schema.graphql, written to each output of codegen.yml;
// CI fails when one is stale.
// GraphQL Code Generator's core and two plugins, called directly: every version of its CLI pulls in loaders (URL,
// GitHub, Apollo Engine) whose dependencies need Node 22 (README, "Node versions"), and we read two local files. What
// to generate is codegen.yml, in the CLI's format: the schema, and per output its documents, plugins and config.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { codegen } from "@graphql-codegen/core";
import * as typedDocumentNode from "@graphql-codegen/typed-document-node";
import * as typescriptOperations from "@graphql-codegen/typescript-operations";
import { buildSchema, lexicographicSortSchema, parse, printSchema } from "graphql";
import { parse as parseYaml } from "yaml";

const ROOT = path.resolve(__dirname, "..");
interface Target {
  // A folder followed by "/**/*.graphql": every .graphql file under the folder.
  documents: string;
  plugins: string[];
  config: Record<string, unknown>;
}
interface CodegenYml {
  schema: string;
  generates: Record<string, Target>;
}

const SETTINGS = parseYaml(readFileSync(path.join(ROOT, "codegen.yml"), "utf8")) as CodegenYml;
const PLUGINS = { "typescript-operations": typescriptOperations, "typed-document-node": typedDocumentNode };
const DOCUMENTS = /^([\w./-]+)\/\*\*\/\*\.graphql$/;

/** Every .graphql file under the pattern's folder, in path order (the order the documents' types are written in). */
function documentFiles(pattern: string): string[] {
  const folder = DOCUMENTS.exec(pattern)?.[1];
  if (folder === undefined) throw new Error(`codegen.yml: documents must be "<folder>/**/*.graphql", not ${pattern}`);
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".graphql"))
    .map((file) => path.join(folder, file))
    .sort();
}

async function main(): Promise<void> {
  // Sorted, as the CLI loaded it: the output lists types in schema order.
  const schemaAst = lexicographicSortSchema(buildSchema(readFileSync(path.join(ROOT, SETTINGS.schema), "utf8")));
  for (const [output, target] of Object.entries(SETTINGS.generates)) {
    const documents = documentFiles(target.documents).map((location) => ({
      location,
      document: parse(readFileSync(path.join(ROOT, location), "utf8")),
    }));
    const code = await codegen({
      filename: output,
      schema: parse(printSchema(schemaAst)),
      schemaAst,
      documents,
      plugins: target.plugins.map((name) => ({ [name]: {} })),
      pluginMap: PLUGINS,
      config: { ...target.config, emitLegacyCommonJSImports: true },
    });
    writeFileSync(path.join(ROOT, output), code);
    process.stdout.write(`wrote ${output} (${documents.length} documents)\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
