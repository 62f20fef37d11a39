import { parse, print, type DocumentNode } from "graphql";
import * as sdk from "@imagegate/sdk";
import { operationNameOf, printDocument } from "@imagegate/sdk";

// The SDK's client prints documents itself (sdk/src/print.ts), so browsers need no graphql-js: what it prints must
// parse back to the same document graphql-js prints, for every document the SDK exports and every construct.

const documents = Object.entries(sdk).filter(
  ([name, value]) => name.endsWith("Document") && (value as { kind?: unknown }).kind === "Document",
) as [string, DocumentNode][];

it("prints every SDK document as graphql-js would parse it back", () => {
  expect(documents.length).toBeGreaterThanOrEqual(40);
  for (const [name, document] of documents) {
    expect([name, print(parse(printDocument(document)))]).toEqual([name, print(document)]);
    expect(`${operationNameOf(document)}Document`).toBe(name);
  }
});

it("prints aliases, inline fragments, directives, defaults and every kind of value", () => {
  const source = `
    query Q($a: [Int!]! = [1, 2], $b: String = "x\\"y\\\\z\\n\\u00e9 ☃", $c: Boolean! = false) @cached {
      alias: field(int: -3, float: 1.5e3, enum: RED, null: null, list: [$a, "s"], object: {nested: {deep: [true]}}) {
        ...F @include(if: $c)
        ... on T { id }
        ... @skip(if: true) { other }
        block(text: """a "block" string""")
      }
    }
    fragment F on T @directive(x: 1) { id }
    mutation { go }`;
  const document = parse(source, { noLocation: true });
  // The same AST but for `block`: a block string prints as an ordinary string of the same value.
  const ast = (doc: DocumentNode) =>
    JSON.stringify(doc, (key, value: unknown) => (key === "block" ? undefined : value));
  expect(ast(parse(printDocument(document), { noLocation: true }))).toBe(ast(document));
  expect(operationNameOf(document)).toBe("Q");
});
