import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from "@apollo/server";
import { GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from "graphql";

// Strings PostgreSQL's text cannot store as sent. U+0000 it refuses: a string carrying one would fail in the
// database, after the rate limit was counted, as an internal error. An unpaired UTF-16 surrogate (JSON allows
// "\ud800" alone) is no character: encoded as UTF-8 on its way to the database it becomes U+FFFD, so the stored
// text is not what was sent, and a retry under the same idempotency key was refused as "a different request" while
// two distinct keys became one. No input of this API has a use for either, so a request with one, in its variables
// or written in its document, is refused before anything runs, naming where it is.

const NUL = "\u0000";
// A high surrogate not followed by a low one, or a low one not preceded by a high one (code units: no `u` flag).
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Finding {
  /** Where the string is: `input.prompt`, `names.2`. */
  path: string;
  /** What is wrong with it, for the message. */
  what: string;
}

function unstorableIn(value: string, path: string): Finding | null {
  if (value.includes(NUL)) return { path, what: "the character U+0000" };
  const surrogate = UNPAIRED_SURROGATE.exec(value)?.[0];
  if (surrogate === undefined) return null;
  return { path, what: `an unpaired surrogate (U+${surrogate.charCodeAt(0).toString(16).toUpperCase()})` };
}

/**
 * The first string under `variables` that PostgreSQL cannot store. Iterative: a body of deeply nested arrays (it may
 * be up to 1 MB) must not overflow the stack.
 */
function unstorableInVariables(variables: Record<string, unknown>): Finding | null {
  const pending: [unknown, string][] = Object.entries(variables).map(([name, value]) => [value, name]);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === "string") {
      const found = unstorableIn(value, path);
      if (found !== null) return found;
    } else if (value !== null && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) pending.push([inner, `${path}.${key}`]);
    }
  }
  return null;
}

function unstorableInLiteral(node: ValueNode, path: string): Finding | null {
  switch (node.kind) {
    case Kind.STRING:
      return unstorableIn(node.value, path);
    case Kind.LIST:
      for (const [index, item] of node.values.entries()) {
        const found = unstorableInLiteral(item, `${path}.${index}`);
        if (found !== null) return found;
      }
      return null;
    case Kind.OBJECT:
      for (const field of node.fields) {
        const found = unstorableInLiteral(field.value, `${path}.${field.name.value}`);
        if (found !== null) return found;
      }
      return null;
    default:
      return null;
  }
}

// Apollo keeps one parsed document per distinct query, so each is searched once.
const literalFindings = new WeakMap<DocumentNode, Finding | null>();

function unstorableInDocument(document: DocumentNode): Finding | null {
  let found = literalFindings.get(document);
  if (found !== undefined) return found;
  found = null;
  visit(document, {
    Argument(node) {
      found ??= unstorableInLiteral(node.value, node.name.value);
    },
    VariableDefinition(node) {
      if (node.defaultValue !== undefined) found ??= unstorableInLiteral(node.defaultValue, node.variable.name.value);
    },
  });
  literalFindings.set(document, found);
  return found;
}

const listener: GraphQLRequestListener<BaseContext> = {
  async didResolveOperation({ document, request }) {
    const found = unstorableInVariables(request.variables ?? {}) ?? unstorableInDocument(document);
    if (found === null) return;
    throw new GraphQLError(`${found.path} contains ${found.what}, which no input may hold`, {
      extensions: { code: "BAD_USER_INPUT", field: found.path, http: { status: 400 } },
    });
  },
};

export const rejectUnstorableCharacters: ApolloServerPlugin = { requestDidStart: async () => listener };
