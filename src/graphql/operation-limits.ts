import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { GraphQLError, type ValidationContext } from "graphql";
import { MAX_QUERY_COST, queryCostRule } from "./query-cost";

// What one operation may ask for. Lists are paged (at most 100 rows), but a few dozen aliases of a field that
// queries the database, or a selection nested without end, would still turn one request into thousands of queries.
// These are validation rules: Apollo validates each distinct document once and keeps it, so the hot path pays
// nothing. The bounds sit far above any query the API's clients need (the deepest, a page of generations with
// their images, is 5 levels). The cost is ours (query-cost.ts): GraphQL Armor's cost-limit counted a `first` only
// when written as a number, never the default page, and grew by half again at every level of nesting.

// GraphQL Armor words its refusals "Syntax Error: ...", which they are not: reported without that prefix, as
// validation errors (GRAPHQL_VALIDATION_FAILED, the limit in the message) rather than thrown, which Apollo would
// take for a fault of ours.
const report = (context: ValidationContext | null, error: GraphQLError) =>
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ""), { nodes: error.nodes }));
const asValidationError = { exposeLimits: true, propagateOnRejection: false, onReject: [report] };

export const operationLimitRules = [
  maxAliasesRule({ n: 15, ...asValidationError }),
  maxDepthRule({ n: 10, ...asValidationError }),
  queryCostRule(MAX_QUERY_COST),
];
