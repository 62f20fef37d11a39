// A printer for the executable documents the SDK sends (operations and fragments, as codegen writes them), so that
// the client needs no graphql-js at run time: graphql's `print` would bring its visitor and AST tables into every
// browser bundle that uses the SDK. The output is compact, not pretty; test/sdk/print.test.ts checks that it parses
// back to every document's own AST.
import type {
  ArgumentNode,
  DefinitionNode,
  DirectiveNode,
  DocumentNode,
  SelectionSetNode,
  TypeNode,
  ValueNode,
  VariableDefinitionNode,
} from "graphql";

export function printDocument(document: DocumentNode): string {
  return document.definitions.map(definition).join("\n");
}

/** The first operation's name: what the request's `operationName` says. */
export function operationNameOf(document: DocumentNode): string | undefined {
  for (const node of document.definitions) {
    if (node.kind === "OperationDefinition") return node.name?.value;
  }
  return undefined;
}

function definition(node: DefinitionNode): string {
  if (node.kind === "OperationDefinition") {
    const variables = node.variableDefinitions?.length ? `(${node.variableDefinitions.map(variable).join(", ")})` : "";
    const name = node.name === undefined ? "" : ` ${node.name.value}`;
    return `${node.operation}${name}${variables}${directives(node.directives)} ${selectionSet(node.selectionSet)}`;
  }
  if (node.kind === "FragmentDefinition") {
    return `fragment ${node.name.value} on ${node.typeCondition.name.value}${directives(node.directives)} ${selectionSet(node.selectionSet)}`;
  }
  throw new Error(`@imagegate/sdk sends executable documents only, not ${node.kind}`);
}

function variable(node: VariableDefinitionNode): string {
  const defaultValue = node.defaultValue === undefined ? "" : ` = ${value(node.defaultValue)}`;
  return `$${node.variable.name.value}: ${type(node.type)}${defaultValue}${directives(node.directives)}`;
}

function type(node: TypeNode): string {
  if (node.kind === "NamedType") return node.name.value;
  if (node.kind === "ListType") return `[${type(node.type)}]`;
  return `${type(node.type)}!`;
}

function selectionSet(node: SelectionSetNode): string {
  const selections = node.selections.map((selection) => {
    if (selection.kind === "Field") {
      const alias = selection.alias === undefined ? "" : `${selection.alias.value}: `;
      const children = selection.selectionSet === undefined ? "" : ` ${selectionSet(selection.selectionSet)}`;
      return `${alias}${selection.name.value}${args(selection.arguments)}${directives(selection.directives)}${children}`;
    }
    if (selection.kind === "FragmentSpread") return `...${selection.name.value}${directives(selection.directives)}`;
    const on = selection.typeCondition === undefined ? "" : ` on ${selection.typeCondition.name.value}`;
    return `...${on}${directives(selection.directives)} ${selectionSet(selection.selectionSet)}`;
  });
  return `{ ${selections.join(" ")} }`;
}

function args(nodes: readonly ArgumentNode[] | undefined): string {
  return nodes?.length ? `(${nodes.map((node) => `${node.name.value}: ${value(node.value)}`).join(", ")})` : "";
}

function directives(nodes: readonly DirectiveNode[] | undefined): string {
  return (nodes ?? []).map((node) => ` @${node.name.value}${args(node.arguments)}`).join("");
}

function value(node: ValueNode): string {
  switch (node.kind) {
    case "Variable":
      return `$${node.name.value}`;
    case "IntValue":
    case "FloatValue":
    case "EnumValue":
      return node.value;
    case "BooleanValue":
      return node.value ? "true" : "false";
    case "NullValue":
      return "null";
    // GraphQL's string escapes are JSON's (a block string prints as an ordinary one, same value).
    case "StringValue":
      return JSON.stringify(node.value);
    case "ListValue":
      return `[${node.values.map(value).join(", ")}]`;
    case "ObjectValue":
      return `{${node.fields.map((field) => `${field.name.value}: ${value(field.value)}`).join(", ")}}`;
    default:
      throw new Error(`not a value: ${(node as { kind: string }).kind}`);
  }
}
