import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationContext,
  type ASTVisitor,
} from "graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../domain/pagination";

// What an operation may cost, counted before it runs: every field resolved counts 1, each time it is resolved, so a
// list multiplies what is selected under it by its length. A connection's length is its `first`: the number written,
// MAX_PAGE_SIZE when it is a variable (a document is checked once, before its variables are known), DEFAULT_PAGE_SIZE
// when absent. Other lists count the most they hold (a generation's images) or an estimate. Fields that aggregate in
// the database weigh more: loaders batch them per request, but each owner asked for is still a probe and a sum.

export const MAX_QUERY_COST = 10_000;

/** Lengths of lists that take no `first`; any other counts DEFAULT_PAGE_SIZE. */
const LIST_LENGTHS: Record<string, number> = {
  "ImageGeneration.images": 10, // n is at most 10
  "ImageGeneration.sources": 17, // an edit's 16 images and its mask
  "User.budgets": 4, // one per period
  "Team.budgets": 4,
  "User.apiKeys": 100, // its most: API_KEYS_FIRST_MAX
  "User.allowedModels": 10, // one per model at most
  "Team.allowedModels": 10,
};

/** Fields that do more than read a loaded row: what they weigh instead of 1. */
const FIELD_WEIGHTS: Record<string, number> = {
  "User.spend": 5,
  "User.budgets": 5,
  "Team.spend": 5,
  "Team.budgets": 5,
  "Team.members": 5,
};

interface Walk {
  context: ValidationContext;
  /** Fragments being expanded on the current path: a cycle (refused by another rule) must not loop here. */
  expanding: Set<string>;
  /**
   * Each fragment's cost, per type and list length it is spread at: a fragment spread many times, by fragments
   * themselves spread many times, is counted once, not once per path (which grows as the power of the nesting).
   */
  fragmentCosts: Map<string, number>;
}

/** The length `first` asks for: literal, worst case for a variable, the default when absent. */
function pageLength(node: FieldNode): number {
  const first = node.arguments?.find((argument) => argument.name.value === "first")?.value;
  if (first === undefined || first.kind === Kind.NULL) return DEFAULT_PAGE_SIZE;
  if (first.kind !== Kind.INT) return MAX_PAGE_SIZE;
  return Math.min(Math.max(Number.parseInt(first.value, 10), 1), MAX_PAGE_SIZE);
}

function fieldCost(walk: Walk, parent: GraphQLCompositeType, node: FieldNode, lengthHere: number): number {
  if (node.name.value.startsWith("__")) return 0; // introspection: off in production, and static
  const field: GraphQLField<unknown, unknown> | undefined =
    "getFields" in parent ? parent.getFields()[node.name.value] : undefined;
  if (field === undefined) return 0; // an unknown field: another rule reports it
  const key = `${parent.name}.${field.name}`;
  const weight = FIELD_WEIGHTS[key] ?? 1;
  const type = getNamedType(field.type);
  if (node.selectionSet === undefined || !isCompositeType(type)) return weight;
  // A connection's length applies to the list inside it (edges), not to the connection itself.
  const pageInside = field.args.some((argument) => argument.name === "first") ? pageLength(node) : undefined;
  const length = isListType(getNullableType(field.type)) ? (LIST_LENGTHS[key] ?? lengthHere) : 1;
  return weight + length * selectionCost(walk, type, node.selectionSet, pageInside ?? DEFAULT_PAGE_SIZE);
}

function selectionCost(walk: Walk, parent: GraphQLCompositeType, set: SelectionSetNode, lengthHere: number): number {
  let cost = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      cost += fieldCost(walk, parent, selection, lengthHere);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      cost += selectionCost(walk, parent, selection.selectionSet, lengthHere);
    } else {
      cost += fragmentCost(walk, parent, selection.name.value, lengthHere);
    }
  }
  return cost;
}

function fragmentCost(walk: Walk, parent: GraphQLCompositeType, name: string, lengthHere: number): number {
  const key = `${name}|${parent.name}|${lengthHere}`;
  const known = walk.fragmentCosts.get(key);
  if (known !== undefined) return known;
  const fragment = walk.context.getFragment(name);
  if (fragment === undefined || fragment === null || walk.expanding.has(name)) return 0;
  walk.expanding.add(name);
  const cost = selectionCost(walk, parent, fragment.selectionSet, lengthHere);
  walk.expanding.delete(name);
  walk.fragmentCosts.set(key, cost);
  return cost;
}

/** The cost of each operation in a document is checked on its own; past the limit, a validation error says both. */
export function queryCostRule(maxCost: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const root = context.getSchema().getRootType(operation.operation);
      if (root === undefined || root === null) return;
      const walk = { context, expanding: new Set<string>(), fragmentCosts: new Map<string, number>() };
      const cost = selectionCost(walk, root, operation.selectionSet, DEFAULT_PAGE_SIZE);
      if (cost <= maxCost) return;
      context.reportError(
        new GraphQLError(
          `This operation costs ${cost}, more than the limit of ${maxCost}: each field counts once per row it is ` +
            `resolved for (first, or ${DEFAULT_PAGE_SIZE} when absent, ${MAX_PAGE_SIZE} when a variable); ask for ` +
            `fewer rows or fields`,
          { nodes: [operation], extensions: { cost, maxCost } },
        ),
      );
    },
  });
}
