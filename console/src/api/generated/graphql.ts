/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ApiKeyKind =
  /** Minted by createSessionKey: expires, capped, can create no keys. */
  | 'SESSION'
  | 'STANDARD';

/** What an audit log entry records: the mutation that made the change. */
export type AuditAction =
  | 'createApiKey'
  | 'createSessionKey'
  | 'createTeam'
  | 'createUser'
  | 'deleteTeam'
  | 'grantCredits'
  | 'refundGeneration'
  | 'removeBudget'
  | 'renameTeam'
  | 'revokeApiKey'
  | 'setAllowedModels'
  | 'setBudget'
  | 'setModelRoute'
  | 'setPrice'
  | 'setTokenPrice'
  | 'setUserActive'
  | 'setUserRateLimit'
  | 'setUserRole'
  | 'setUserTeam';

export type BudgetPeriod =
  | 'DAILY'
  | 'MONTHLY'
  | 'TOTAL'
  | 'WEEKLY';

export type BudgetScope =
  | 'TEAM'
  | 'USER';

export type GenerationStatus =
  | 'FAILED'
  | 'PENDING'
  | 'SUCCEEDED';

export type ImageModel =
  | 'DALL_E_2'
  | 'DALL_E_3'
  | 'GPT_IMAGE_1'
  | 'GPT_IMAGE_1_MINI'
  | 'GPT_IMAGE_2'
  | 'GPT_IMAGE_2_5_FLARE'
  | 'GPT_IMAGE_2_5_SUNBURST'
  | 'GPT_IMAGE_2_6_FLARE'
  | 'GPT_IMAGE_2_6_SUNBURST'
  | 'STABLE_DIFFUSION_XL';

export type ImageQuality =
  | 'HD'
  | 'HIGH'
  | 'LOW'
  | 'MEDIUM'
  | 'STANDARD';

export type ImageSize =
  /** Any width x height the model's rules allow, given as width and height. */
  | 'CUSTOM'
  | 'SIZE_256X256'
  | 'SIZE_512X512'
  | 'SIZE_1024X1024'
  | 'SIZE_1024X1536'
  | 'SIZE_1024X1792'
  | 'SIZE_1152X2048'
  | 'SIZE_1536X1024'
  | 'SIZE_1792X1024'
  | 'SIZE_2048X1152'
  | 'SIZE_2048X2048'
  | 'SIZE_2160X3840'
  | 'SIZE_3840X2160';

export type LedgerEntryKind =
  | 'ADJUSTMENT'
  | 'CHARGE'
  | 'GRANT'
  | 'REFUND';

export type ModelStatus =
  | 'ACTIVE'
  | 'DEPRECATED'
  | 'SHUT_DOWN';

export type Role =
  | 'ADMIN'
  | 'FINANCE'
  | 'MEMBER';

/** What a spend report groups by. DAY is a calendar day in the deployment's time zone (TIME_ZONE). */
export type SpendDimension =
  /** The API key the request came with; null before keys were recorded. */
  | 'API_KEY'
  /** SpendRow.day is the day's first instant in the deployment's time zone. */
  | 'DAY'
  | 'MODEL'
  | 'QUALITY'
  | 'SIZE'
  /** GenerateImageInput.tags: a generation with several tags counts toward each (rows then add up to more than the total, which stays the spend); untagged spend is one row whose tag is null. */
  | 'TAG'
  /** The team the user was in when charged; a null team is spend outside any team. */
  | 'TEAM'
  | 'USER';

export type ModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsQuery = { models: Array<{ model: ImageModel, provider: string, status: ModelStatus, shutdownDate: string | null, replacement: ImageModel | null, servedBy: ImageModel | null, enabled: boolean, sizes: Array<ImageSize>, qualities: Array<ImageQuality> }> };

export type SetModelRouteMutationVariables = Exact<{
  model: ImageModel;
  servedBy?: ImageModel | null | undefined;
  enabled: boolean;
}>;


export type SetModelRouteMutation = { setModelRoute: { model: ImageModel, servedBy: ImageModel | null, enabled: boolean } };

export type PricesQueryVariables = Exact<{ [key: string]: never; }>;


export type PricesQuery = { prices: Array<{ model: ImageModel, size: ImageSize, quality: ImageQuality, perImage: string, effectiveFrom: string }>, tokenPrices: Array<{ model: ImageModel, textInputPerMillion: string, cachedTextInputPerMillion: string | null, imageInputPerMillion: string, cachedImageInputPerMillion: string | null, imageOutputPerMillion: string, effectiveFrom: string }> };

export type SetPriceMutationVariables = Exact<{
  model: ImageModel;
  size: ImageSize;
  quality: ImageQuality;
  perImage: string;
  effectiveFrom?: string | null | undefined;
}>;


export type SetPriceMutation = { setPrice: { model: ImageModel, perImage: string, effectiveFrom: string } };

export type SetTokenPriceMutationVariables = Exact<{
  model: ImageModel;
  textInputPerMillion: string;
  imageInputPerMillion: string;
  imageOutputPerMillion: string;
  cachedTextInputPerMillion?: string | null | undefined;
  cachedImageInputPerMillion?: string | null | undefined;
  effectiveFrom?: string | null | undefined;
}>;


export type SetTokenPriceMutation = { setTokenPrice: { model: ImageModel, effectiveFrom: string } };

export type AuditLogQueryVariables = Exact<{
  action?: AuditAction | null | undefined;
  targetId?: string | number | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type AuditLogQuery = { auditLog: { edges: Array<{ cursor: string, node: { id: string, actorId: string | null, action: string, targetType: string, targetId: string, before: unknown, after: unknown, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type SpendByDayQueryVariables = Exact<{
  from: string;
  to: string;
}>;


export type SpendByDayQuery = { spendReport: { from: string, to: string, total: string, requests: number, images: number, rows: Array<{ day: string | null, requests: number, images: number, cost: string }> } };

export type SpendBreakdownQueryVariables = Exact<{
  from: string;
  to: string;
  groupBy: Array<SpendDimension> | SpendDimension;
}>;


export type SpendBreakdownQuery = { spendReport: { total: string, requests: number, images: number, rows: Array<{ model: ImageModel | null, requests: number, images: number, cost: string, user: { id: string, email: string } | null, team: { id: string, name: string } | null }> } };

export type BudgetFieldsFragment = { id: string, period: BudgetPeriod, scope: BudgetScope, limit: string, spent: string, held: string, remaining: string, resetsAt: string | null, alertThresholds: Array<number> };

export type BudgetsQueryVariables = Exact<{ [key: string]: never; }>;


export type BudgetsQuery = { teams: Array<{ id: string, name: string, budgets: Array<{ id: string, period: BudgetPeriod, scope: BudgetScope, limit: string, spent: string, held: string, remaining: string, resetsAt: string | null, alertThresholds: Array<number> }> }> };

export type BudgetAlertsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type BudgetAlertsQuery = { budgetAlerts: { edges: Array<{ cursor: string, node: { id: string, scope: BudgetScope, period: BudgetPeriod, periodStart: string, thresholdPercent: number, spent: string, limit: string, createdAt: string, deliveredAt: string | null, attempts: number, lastError: string | null, user: { id: string, email: string } | null, team: { id: string, name: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type TryGenerationMutationVariables = Exact<{
  prompt: string;
  model: ImageModel;
}>;


export type TryGenerationMutation = { generateImage: { id: string, status: GenerationStatus, servedModel: ImageModel, cost: string } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string, role: Role, balance: string, available: string } };

export type TeamsQueryVariables = Exact<{ [key: string]: never; }>;


export type TeamsQuery = { teams: Array<{ id: string, name: string, createdAt: string, members: Array<{ id: string, email: string, role: Role }>, budgets: Array<{ id: string, period: BudgetPeriod, scope: BudgetScope, limit: string, spent: string, held: string, remaining: string, resetsAt: string | null, alertThresholds: Array<number> }> }> };

export type CreateTeamMutationVariables = Exact<{
  name: string;
}>;


export type CreateTeamMutation = { createTeam: { id: string, name: string } };

export type SetBudgetMutationVariables = Exact<{
  userId: string | number;
  period: BudgetPeriod;
  limit: string;
  alertThresholds?: Array<number> | number | null | undefined;
}>;


export type SetBudgetMutation = { setBudget: { id: string, period: BudgetPeriod, scope: BudgetScope, limit: string, spent: string, held: string, remaining: string, resetsAt: string | null, alertThresholds: Array<number> } };

export type SetTeamBudgetMutationVariables = Exact<{
  teamId: string | number;
  period: BudgetPeriod;
  limit: string;
  alertThresholds?: Array<number> | number | null | undefined;
}>;


export type SetTeamBudgetMutation = { setTeamBudget: { id: string, period: BudgetPeriod, scope: BudgetScope, limit: string, spent: string, held: string, remaining: string, resetsAt: string | null, alertThresholds: Array<number> } };

export type RemoveBudgetMutationVariables = Exact<{
  id: string | number;
}>;


export type RemoveBudgetMutation = { removeBudget: boolean };

export type UserListQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  search?: string | null | undefined;
  role?: Role | null | undefined;
}>;


export type UserListQuery = { users: { edges: Array<{ cursor: string, node: { id: string, email: string, role: Role, active: boolean, team: { id: string, name: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type UserDetailQueryVariables = Exact<{
  id: string | number;
}>;


export type UserDetailQuery = { user: { id: string, email: string, role: Role, balance: string, reserved: string, available: string, rateLimitPerMinute: number | null, rateLimitOverride: number | null, active: boolean, allowedModels: Array<ImageModel> | null, apiKeys: Array<{ id: string, name: string, prefix: string, kind: ApiKeyKind, createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null }>, team: { id: string, name: string } | null, budgets: Array<{ id: string, period: BudgetPeriod, scope: BudgetScope, limit: string, spent: string, held: string, remaining: string, resetsAt: string | null, alertThresholds: Array<number> }> } | null };

export type UserLedgerQueryVariables = Exact<{
  userId?: string | number | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type UserLedgerQuery = { ledger: { edges: Array<{ cursor: string, node: { id: string, kind: LedgerEntryKind, amount: string, balanceAfter: string, reason: string | null, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateUserMutationVariables = Exact<{
  email: string;
  role: Role;
}>;


export type CreateUserMutation = { createUser: { id: string, email: string, role: Role } };

export type GrantCreditsMutationVariables = Exact<{
  userId: string | number;
  amount: string;
  reason: string;
}>;


export type GrantCreditsMutation = { grantCredits: { id: string, amount: string, balanceAfter: string } };

export type SetUserRateLimitMutationVariables = Exact<{
  userId: string | number;
  imagesPerMinute?: number | null | undefined;
}>;


export type SetUserRateLimitMutation = { setUserRateLimit: { id: string, rateLimitPerMinute: number | null, rateLimitOverride: number | null } };

export type SetUserTeamMutationVariables = Exact<{
  userId: string | number;
  teamId?: string | number | null | undefined;
}>;


export type SetUserTeamMutation = { setUserTeam: { id: string } };

export type CreateApiKeyMutationVariables = Exact<{
  userId: string | number;
  name: string;
  expiresAt?: string | null | undefined;
}>;


export type CreateApiKeyMutation = { createApiKey: { id: string, name: string, secret: string } };

export type RevokeApiKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeApiKeyMutation = { revokeApiKey: boolean };

export type SetUserRoleMutationVariables = Exact<{
  userId: string | number;
  role: Role;
}>;


export type SetUserRoleMutation = { setUserRole: { id: string, role: Role } };

export type SetUserActiveMutationVariables = Exact<{
  userId: string | number;
  active: boolean;
}>;


export type SetUserActiveMutation = { setUserActive: { id: string, active: boolean } };

export type SetAllowedModelsMutationVariables = Exact<{
  userId: string | number;
  models?: Array<ImageModel> | ImageModel | null | undefined;
}>;


export type SetAllowedModelsMutation = { setAllowedModels: boolean };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const BudgetFieldsFragmentDoc = new TypedDocumentString(`
    fragment BudgetFields on Budget {
  id
  period
  scope
  limit
  spent
  held
  remaining
  resetsAt
  alertThresholds
}
    `, {"fragmentName":"BudgetFields"}) as unknown as TypedDocumentString<BudgetFieldsFragment, unknown>;
export const ModelsDocument = new TypedDocumentString(`
    query Models {
  models {
    model
    provider
    status
    shutdownDate
    replacement
    servedBy
    enabled
    sizes
    qualities
  }
}
    `) as unknown as TypedDocumentString<ModelsQuery, ModelsQueryVariables>;
export const SetModelRouteDocument = new TypedDocumentString(`
    mutation SetModelRoute($model: ImageModel!, $servedBy: ImageModel, $enabled: Boolean!) {
  setModelRoute(model: $model, servedBy: $servedBy, enabled: $enabled) {
    model
    servedBy
    enabled
  }
}
    `) as unknown as TypedDocumentString<SetModelRouteMutation, SetModelRouteMutationVariables>;
export const PricesDocument = new TypedDocumentString(`
    query Prices {
  prices {
    model
    size
    quality
    perImage
    effectiveFrom
  }
  tokenPrices {
    model
    textInputPerMillion
    cachedTextInputPerMillion
    imageInputPerMillion
    cachedImageInputPerMillion
    imageOutputPerMillion
    effectiveFrom
  }
}
    `) as unknown as TypedDocumentString<PricesQuery, PricesQueryVariables>;
export const SetPriceDocument = new TypedDocumentString(`
    mutation SetPrice($model: ImageModel!, $size: ImageSize!, $quality: ImageQuality!, $perImage: Money!, $effectiveFrom: DateTime) {
  setPrice(
    model: $model
    size: $size
    quality: $quality
    perImage: $perImage
    effectiveFrom: $effectiveFrom
  ) {
    model
    perImage
    effectiveFrom
  }
}
    `) as unknown as TypedDocumentString<SetPriceMutation, SetPriceMutationVariables>;
export const SetTokenPriceDocument = new TypedDocumentString(`
    mutation SetTokenPrice($model: ImageModel!, $textInputPerMillion: Money!, $imageInputPerMillion: Money!, $imageOutputPerMillion: Money!, $cachedTextInputPerMillion: Money, $cachedImageInputPerMillion: Money, $effectiveFrom: DateTime) {
  setTokenPrice(
    model: $model
    textInputPerMillion: $textInputPerMillion
    imageInputPerMillion: $imageInputPerMillion
    imageOutputPerMillion: $imageOutputPerMillion
    cachedTextInputPerMillion: $cachedTextInputPerMillion
    cachedImageInputPerMillion: $cachedImageInputPerMillion
    effectiveFrom: $effectiveFrom
  ) {
    model
    effectiveFrom
  }
}
    `) as unknown as TypedDocumentString<SetTokenPriceMutation, SetTokenPriceMutationVariables>;
export const AuditLogDocument = new TypedDocumentString(`
    query AuditLog($action: AuditAction, $targetId: ID, $first: Int, $after: String) {
  auditLog(action: $action, targetId: $targetId, first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        actorId
        action
        targetType
        targetId
        before
        after
        createdAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<AuditLogQuery, AuditLogQueryVariables>;
export const SpendByDayDocument = new TypedDocumentString(`
    query SpendByDay($from: DateTime!, $to: DateTime!) {
  spendReport(from: $from, to: $to, groupBy: [DAY]) {
    from
    to
    total
    requests
    images
    rows {
      day
      requests
      images
      cost
    }
  }
}
    `) as unknown as TypedDocumentString<SpendByDayQuery, SpendByDayQueryVariables>;
export const SpendBreakdownDocument = new TypedDocumentString(`
    query SpendBreakdown($from: DateTime!, $to: DateTime!, $groupBy: [SpendDimension!]!) {
  spendReport(from: $from, to: $to, groupBy: $groupBy) {
    total
    requests
    images
    rows {
      user {
        id
        email
      }
      team {
        id
        name
      }
      model
      requests
      images
      cost
    }
  }
}
    `) as unknown as TypedDocumentString<SpendBreakdownQuery, SpendBreakdownQueryVariables>;
export const BudgetsDocument = new TypedDocumentString(`
    query Budgets {
  teams {
    id
    name
    budgets {
      ...BudgetFields
    }
  }
}
    fragment BudgetFields on Budget {
  id
  period
  scope
  limit
  spent
  held
  remaining
  resetsAt
  alertThresholds
}`) as unknown as TypedDocumentString<BudgetsQuery, BudgetsQueryVariables>;
export const BudgetAlertsDocument = new TypedDocumentString(`
    query BudgetAlerts($first: Int, $after: String) {
  budgetAlerts(first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        scope
        period
        periodStart
        thresholdPercent
        spent
        limit
        createdAt
        deliveredAt
        attempts
        lastError
        user {
          id
          email
        }
        team {
          id
          name
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<BudgetAlertsQuery, BudgetAlertsQueryVariables>;
export const TryGenerationDocument = new TypedDocumentString(`
    mutation TryGeneration($prompt: String!, $model: ImageModel!) {
  generateImage(input: {prompt: $prompt, model: $model}) {
    id
    status
    servedModel
    cost
  }
}
    `) as unknown as TypedDocumentString<TryGenerationMutation, TryGenerationMutationVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    email
    role
    balance
    available
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const TeamsDocument = new TypedDocumentString(`
    query Teams {
  teams {
    id
    name
    createdAt
    members {
      id
      email
      role
    }
    budgets {
      ...BudgetFields
    }
  }
}
    fragment BudgetFields on Budget {
  id
  period
  scope
  limit
  spent
  held
  remaining
  resetsAt
  alertThresholds
}`) as unknown as TypedDocumentString<TeamsQuery, TeamsQueryVariables>;
export const CreateTeamDocument = new TypedDocumentString(`
    mutation CreateTeam($name: String!) {
  createTeam(name: $name) {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<CreateTeamMutation, CreateTeamMutationVariables>;
export const SetBudgetDocument = new TypedDocumentString(`
    mutation SetBudget($userId: ID!, $period: BudgetPeriod!, $limit: Money!, $alertThresholds: [Int!]) {
  setBudget(
    userId: $userId
    period: $period
    limit: $limit
    alertThresholds: $alertThresholds
  ) {
    ...BudgetFields
  }
}
    fragment BudgetFields on Budget {
  id
  period
  scope
  limit
  spent
  held
  remaining
  resetsAt
  alertThresholds
}`) as unknown as TypedDocumentString<SetBudgetMutation, SetBudgetMutationVariables>;
export const SetTeamBudgetDocument = new TypedDocumentString(`
    mutation SetTeamBudget($teamId: ID!, $period: BudgetPeriod!, $limit: Money!, $alertThresholds: [Int!]) {
  setTeamBudget(
    teamId: $teamId
    period: $period
    limit: $limit
    alertThresholds: $alertThresholds
  ) {
    ...BudgetFields
  }
}
    fragment BudgetFields on Budget {
  id
  period
  scope
  limit
  spent
  held
  remaining
  resetsAt
  alertThresholds
}`) as unknown as TypedDocumentString<SetTeamBudgetMutation, SetTeamBudgetMutationVariables>;
export const RemoveBudgetDocument = new TypedDocumentString(`
    mutation RemoveBudget($id: ID!) {
  removeBudget(id: $id)
}
    `) as unknown as TypedDocumentString<RemoveBudgetMutation, RemoveBudgetMutationVariables>;
export const UserListDocument = new TypedDocumentString(`
    query UserList($first: Int, $after: String, $search: String, $role: Role) {
  users(first: $first, after: $after, search: $search, role: $role) {
    edges {
      cursor
      node {
        id
        email
        role
        active
        team {
          id
          name
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<UserListQuery, UserListQueryVariables>;
export const UserDetailDocument = new TypedDocumentString(`
    query UserDetail($id: ID!) {
  user(id: $id) {
    id
    email
    role
    balance
    reserved
    available
    rateLimitPerMinute
    rateLimitOverride
    active
    allowedModels
    apiKeys {
      id
      name
      prefix
      kind
      createdAt
      lastUsedAt
      expiresAt
      revokedAt
    }
    team {
      id
      name
    }
    budgets {
      ...BudgetFields
    }
  }
}
    fragment BudgetFields on Budget {
  id
  period
  scope
  limit
  spent
  held
  remaining
  resetsAt
  alertThresholds
}`) as unknown as TypedDocumentString<UserDetailQuery, UserDetailQueryVariables>;
export const UserLedgerDocument = new TypedDocumentString(`
    query UserLedger($userId: ID, $first: Int, $after: String) {
  ledger(userId: $userId, first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        kind
        amount
        balanceAfter
        reason
        createdAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<UserLedgerQuery, UserLedgerQueryVariables>;
export const CreateUserDocument = new TypedDocumentString(`
    mutation CreateUser($email: String!, $role: Role!) {
  createUser(email: $email, role: $role) {
    id
    email
    role
  }
}
    `) as unknown as TypedDocumentString<CreateUserMutation, CreateUserMutationVariables>;
export const GrantCreditsDocument = new TypedDocumentString(`
    mutation GrantCredits($userId: ID!, $amount: Money!, $reason: String!) {
  grantCredits(userId: $userId, amount: $amount, reason: $reason) {
    id
    amount
    balanceAfter
  }
}
    `) as unknown as TypedDocumentString<GrantCreditsMutation, GrantCreditsMutationVariables>;
export const SetUserRateLimitDocument = new TypedDocumentString(`
    mutation SetUserRateLimit($userId: ID!, $imagesPerMinute: Int) {
  setUserRateLimit(userId: $userId, imagesPerMinute: $imagesPerMinute) {
    id
    rateLimitPerMinute
    rateLimitOverride
  }
}
    `) as unknown as TypedDocumentString<SetUserRateLimitMutation, SetUserRateLimitMutationVariables>;
export const SetUserTeamDocument = new TypedDocumentString(`
    mutation SetUserTeam($userId: ID!, $teamId: ID) {
  setUserTeam(userId: $userId, teamId: $teamId) {
    id
  }
}
    `) as unknown as TypedDocumentString<SetUserTeamMutation, SetUserTeamMutationVariables>;
export const CreateApiKeyDocument = new TypedDocumentString(`
    mutation CreateApiKey($userId: ID!, $name: String!, $expiresAt: DateTime) {
  createApiKey(userId: $userId, name: $name, expiresAt: $expiresAt) {
    id
    name
    secret
  }
}
    `) as unknown as TypedDocumentString<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = new TypedDocumentString(`
    mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id)
}
    `) as unknown as TypedDocumentString<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const SetUserRoleDocument = new TypedDocumentString(`
    mutation SetUserRole($userId: ID!, $role: Role!) {
  setUserRole(userId: $userId, role: $role) {
    id
    role
  }
}
    `) as unknown as TypedDocumentString<SetUserRoleMutation, SetUserRoleMutationVariables>;
export const SetUserActiveDocument = new TypedDocumentString(`
    mutation SetUserActive($userId: ID!, $active: Boolean!) {
  setUserActive(userId: $userId, active: $active) {
    id
    active
  }
}
    `) as unknown as TypedDocumentString<SetUserActiveMutation, SetUserActiveMutationVariables>;
export const SetAllowedModelsDocument = new TypedDocumentString(`
    mutation SetAllowedModels($userId: ID!, $models: [ImageModel!]) {
  setAllowedModels(userId: $userId, models: $models)
}
    `) as unknown as TypedDocumentString<SetAllowedModelsMutation, SetAllowedModelsMutationVariables>;