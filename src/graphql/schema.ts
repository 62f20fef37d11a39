import "reflect-metadata";
import "./enums";
import path from "node:path";
import { DateTimeResolver } from "graphql-scalars";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { AccountResolver } from "./account/account.resolver";
import { RateLimitResolver } from "./account/rate-limit.resolver";
import { SessionKeyResolver } from "./account/session-key.resolver";
import { UserResolver } from "./account/user.resolver";
import { UserAdminResolver } from "./account/user-admin.resolver";
import { AllowedModelsResolver } from "./account/allowed-models.resolver";
import { TeamAdminResolver } from "./teams/team-admin.resolver";
import { BudgetAlertsResolver } from "./alerts/budget-alerts.resolver";
import { AuditResolver } from "./audit/audit.resolver";
import { authChecker } from "./auth-checker";
import { BudgetResolver } from "./budgets/budget.resolver";
import { TeamResolver } from "./teams/team.resolver";
import { GenerationResolver } from "./generation/generation.resolver";
import { GenerationUpdatedResolver } from "./generation/generation-updated.resolver";
import { ImageResolver } from "./generation/image.resolver";
import { EditImageResolver } from "./generation/edit-image.resolver";
import { GenerationSourceResolver, GenerationSourcesResolver } from "./generation/generation-sources.resolver";
import { LedgerResolver } from "./ledger/ledger.resolver";
import { PricingResolver } from "./pricing/pricing.resolver";
import { ModelsResolver } from "./pricing/models.resolver";
import { SpendReportResolver } from "./reports/spend-report.resolver";

export const RESOLVERS = [
  AccountResolver,
  UserResolver,
  RateLimitResolver,
  SessionKeyResolver,
  GenerationResolver,
  GenerationUpdatedResolver,
  ImageResolver,
  GenerationSourcesResolver,
  GenerationSourceResolver,
  EditImageResolver,
  LedgerResolver,
  PricingResolver,
  ModelsResolver,
  BudgetResolver,
  TeamResolver,
  AuditResolver,
  BudgetAlertsResolver,
  SpendReportResolver,
  UserAdminResolver,
  TeamAdminResolver,
  AllowedModelsResolver,
] as const;

export const SCHEMA_FILE = path.resolve(__dirname, "../../schema.graphql");

/**
 * type-graphql wants a PubSub once a schema has subscriptions, though ours subscribe through their own `subscribe`
 * (across processes: src/live): an in-memory one would only reach this process, so none is ever used.
 */
const NO_PUBSUB: PubSub = {
  publish: () => {
    throw new Error("imagegate publishes generation updates through src/live, not type-graphql's PubSub");
  },
  subscribe: () => {
    throw new Error("imagegate subscribes through src/live, not type-graphql's PubSub");
  },
};

export function buildImagegateSchema(options: { emitSchemaFile?: string } = {}): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...RESOLVERS],
    authChecker,
    pubSub: NO_PUBSUB,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    emitSchemaFile:
      options.emitSchemaFile === undefined ? false : { path: options.emitSchemaFile, sortedSchema: false },
  });
}
