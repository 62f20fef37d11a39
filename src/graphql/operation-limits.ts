import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import type { GraphQLError, ValidationContext } from "graphql";

// What one operation may ask for. Lists are paged (at most 100 rows), but a few dozen aliases of a field that
// queries the database, or a selection nested without end, would still turn one request into thousands of queries.
// These are validation rules: Apollo validates each distinct document once and keeps it, so the hot path pays
// nothing. The bounds sit far above any query the API's clients need (the deepest, a page of generations with
// their images, is 5 levels).

// Reported as validation errors (GRAPHQL_VALIDATION_FAILED, the limit in the message) rather than thrown, which
// Apollo would take for a fault of ours.
const report = (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error);
const asValidationError = { exposeLimits: true, propagateOnRejection: false, onReject: [report] };

export const operationLimitRules = [
  maxAliasesRule({ n: 15, ...asValidationError }),
  maxDepthRule({ n: 10, ...asValidationError }),
  costLimitRule({ maxCost: 5_000, ...asValidationError }),
];
