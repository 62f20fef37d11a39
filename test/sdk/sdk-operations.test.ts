import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, Kind, parse, type OperationDefinitionNode } from "graphql";

// @imagegate/sdk holds a typed document for every public operation: each field of Query, Mutation and Subscription
// in schema.graphql is selected at the top of an operation under sdk/src/operations (then `npm run codegen`).

const ROOT = path.resolve(__dirname, "..", "..");
const OPERATIONS = path.join(ROOT, "sdk", "src", "operations");

it("has an operation for every root field of the schema", () => {
  const schema = buildSchema(readFileSync(path.join(ROOT, "schema.graphql"), "utf8"));
  const covered = new Set<string>();
  for (const file of readdirSync(OPERATIONS).filter((name) => name.endsWith(".graphql"))) {
    for (const definition of parse(readFileSync(path.join(OPERATIONS, file), "utf8")).definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const operation = definition as OperationDefinitionNode;
      for (const selection of operation.selectionSet.selections) {
        if (selection.kind === Kind.FIELD) covered.add(`${operation.operation}.${selection.name.value}`);
      }
    }
  }
  const roots = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
    ["subscription", schema.getSubscriptionType()],
  ] as const;
  const missing = roots.flatMap(([kind, type]) =>
    Object.keys(type?.getFields() ?? {})
      .map((field) => `${kind}.${field}`)
      .filter((name) => !covered.has(name)),
  );
  expect(missing).toEqual([]);
  expect(covered.size).toBeGreaterThanOrEqual(28);
});
