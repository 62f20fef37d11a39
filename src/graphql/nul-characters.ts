import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from "@apollo/server";
import { GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from "graphql";

// PostgreSQL's text cannot hold U+0000: a string carrying one would fail in the database, after the rate limit
// was counted, as an internal error. No input of this API has a use for it, so a request with one, in its
// variables or written in its document, is refused before anything runs, naming where the character is.

const NUL = "\u0000";

/**
 * The path (`input.prompt`, `names.2`) of a string under `variables` that holds a NUL, or null. Iterative: a body
 * of deeply nested arrays (it may be up to 1 MB) must not overflow the stack.
 */
function nulInVariables(variables: Record<string, unknown>): string | null {
  const pending: [unknown, string][] = Object.entries(variables).map(([name, value]) => [value, name]);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === "string") {
      if (value.includes(NUL)) return path;
    } else if (value !== null && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) pending.push([inner, `${path}.${key}`]);
    }
  }
  return null;
}

function nulInLiteral(node: ValueNode, path: string): string | null {
  switch (node.kind) {
    case Kind.STRING:
      return node.value.includes(NUL) ? path : null;
    case Kind.LIST:
      for (const [index, item] of node.values.entries()) {
        const found = nulInLiteral(item, `${path}.${index}`);
        if (found !== null) return found;
      }
      return null;
    case Kind.OBJECT:
      for (const field of node.fields) {
        const found = nulInLiteral(field.value, `${path}.${field.name.value}`);
        if (found !== null) return found;
      }
      return null;
    default:
      return null;
  }
}

// Apollo keeps one parsed document per distinct query, so each is searched once.
const literalFindings = new WeakMap<DocumentNode, string | null>();

function nulInDocument(document: DocumentNode): string | null {
  let found = literalFindings.get(document);
  if (found !== undefined) return found;
  found = null;
  visit(document, {
    Argument(node) {
      found ??= nulInLiteral(node.value, node.name.value);
    },
    VariableDefinition(node) {
      if (node.defaultValue !== undefined) found ??= nulInLiteral(node.defaultValue, node.variable.name.value);
    },
  });
  literalFindings.set(document, found);
  return found;
}

const listener: GraphQLRequestListener<BaseContext> = {
  async didResolveOperation({ document, request }) {
    const field = nulInVariables(request.variables ?? {}) ?? nulInDocument(document);
    if (field === null) return;
    throw new GraphQLError(`${field} contains the character U+0000, which no input may hold`, {
      extensions: { code: "BAD_USER_INPUT", field, http: { status: 400 } },
    });
  },
};

export const rejectNulCharacters: ApolloServerPlugin = { requestDidStart: async () => listener };
