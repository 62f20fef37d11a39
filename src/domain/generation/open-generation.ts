import type { GenerationRequest } from "./resolve-request";
import { queryPrepared, type Db, type PreparedStatement, type Tx } from "../db";
import { periodBounds } from "../budgets/budget-usage";
import { DomainError, notFound } from "../errors";
import { formatMoney } from "../money";
import type { TokenRates } from "../pricing/cost";

/** A generation whose price is held: what the rest of the flow needs to know about it. */
export interface OpenedGeneration {
  id: string;
  createdAt: Date;
  heldMicros: bigint;
  teamId: string | null;
  /** Whether any budget applies: only then can a charge cross an alert threshold. */
  budgeted: boolean;
  /** Whether the team's budgets apply: settling then takes the team's lock, like the hold did. */
  teamBudgeted: boolean;
  /** The token prices in force when the request was made (GPT image models settle from usage at them). */
  tokenRates: TokenRates | undefined;
}

export interface OpenRow {
  outcome: "OPENED" | "NO_PRICE" | "NO_USER" | "BUDGET_EXCEEDED" | "INSUFFICIENT_CREDITS" | "DUPLICATE";
  holdMicros: bigint | null;
  teamId: string | null;
  budgeted: boolean;
  teamBudgeted: boolean;
  textInputRate: bigint | null;
  imageInputRate: bigint | null;
  imageOutputRate: bigint | null;
  budgetPeriod: string | null;
  budgetScope: string | null;
  budgetLimit: bigint | null;
  budgetRemaining: bigint | null;
}

export interface OpenGenerationArgs {
  id: string;
  userId: string;
  /** The API key the request came with: spend by API_KEY. */
  apiKeyId?: string;
  provider: string;
  request: GenerationRequest;
  now: Date;
  holdTtlMs: number;
  timeZone: string;
  /** The session key asking, if one is: its total spend limit is checked with the hold. */
  sessionKeyId: string | null;
}

const OPEN_GENERATIONS: PreparedStatement = {
  name: "imagegate_open_generations",
  text: `SELECT item, outcome, hold_micros AS "holdMicros", team_id AS "teamId", budgeted,
                team_budgeted AS "teamBudgeted", text_input_rate AS "textInputRate",
                image_input_rate AS "imageInputRate", image_output_rate AS "imageOutputRate",
                budget_period AS "budgetPeriod", budget_scope AS "budgetScope", budget_limit AS "budgetLimit",
                budget_remaining AS "budgetRemaining"
           FROM imagegate_open_generations(
             $1::uuid[], $2::uuid[], $3::text[], $4::"ImageModel"[], $5::"ImageModel"[], $6::"ImageSize"[],
             $7::integer[], $8::integer[], $9::"ImageQuality"[], $10::"ImageStyle"[], $11::integer[], $12::text[],
             $13::text[], $14::text[], $15::text[], $16::integer[], $17::text[], $18::text[], $19::timestamptz[],
             $20::timestamptz[], $21::date[], $22::date[], $23::date[], $24::date[], $25::date[], $26::date[],
             $27::uuid[], $28::uuid[], $29::jsonb[], $30::integer[])`,
};

/**
 * Records PENDING generations and holds their prices, any number in one round trip and one transaction:
 * `imagegate_open_generations` (prisma/functions/imagegate_open_generations.sql) takes the callers' account locks and opens
 * the batch in one statement when no item needs deciding in order; otherwise, per item, `imagegate_open_generation`
 * (prisma/functions/imagegate_open_generation.sql) checks every budget and the credit and writes the generation and its hold. One
 * row per item, in order; `openedOrError` reads it. It commits without waiting for its WAL flush (migration
 * hold_commit_without_flush): on a transaction, the whole transaction does.
 */
export async function openGenerations(db: Db | Tx, batch: OpenGenerationArgs[]): Promise<OpenRow[]> {
  const column = <T>(pick: (args: OpenGenerationArgs) => T) => batch.map(pick);
  const bounds = batch.map((args) => periodBounds(args.now, args.timeZone).days);
  const rows = await queryPrepared<OpenRow & { item: number }>(db, OPEN_GENERATIONS, [
    column((args) => args.id),
    column((args) => args.userId),
    column((args) => args.provider),
    column((args) => args.request.model),
    column((args) => args.request.requestedModel),
    column((args) => args.request.size),
    column((args) => args.request.width),
    column((args) => args.request.height),
    column((args) => args.request.quality),
    column((args) => args.request.style),
    column((args) => args.request.n),
    column((args) => args.request.prompt),
    column((args) => args.request.responseFormat),
    column((args) => args.request.moderation),
    column((args) => args.request.outputFormat),
    column((args) => args.request.outputCompression),
    column((args) => args.request.background),
    column((args) => args.request.idempotencyKey),
    column((args) => args.now),
    column((args) => new Date(args.now.getTime() + args.holdTtlMs)),
    ...[0, 1, 2, 3, 4, 5].map((index) => bounds.map((days) => days[index])),
    column((args) => args.sessionKeyId),
    column((args) => args.apiKeyId ?? null),
    column((args) => JSON.stringify(args.request.tags)),
    column((args) => args.request.imageInputTokens ?? null),
  ]);
  const byItem = new Map(rows.map((row) => [row.item, row]));
  return batch.map((_, index) => byItem.get(index + 1)!);
}

/** What an open's row means for the caller: the held generation, "DUPLICATE" (idempotency key taken), or an error. */
export function openedOrError(args: OpenGenerationArgs, row: OpenRow): OpenedGeneration | "DUPLICATE" {
  const { request, now } = args;
  switch (row.outcome) {
    case "OPENED":
      return {
        id: args.id,
        createdAt: now,
        heldMicros: row.holdMicros!,
        teamId: row.teamId,
        budgeted: row.budgeted,
        teamBudgeted: row.teamBudgeted,
        tokenRates: tokenRatesOf(row),
      };
    case "DUPLICATE":
      return "DUPLICATE";
    case "NO_PRICE":
      throw new DomainError(
        "BAD_USER_INPUT",
        `No price is set for ${request.model} ${request.size} ${request.quality}`,
        {
          field: "input.model",
        },
      );
    case "NO_USER":
      throw notFound("User");
    case "INSUFFICIENT_CREDITS":
      throw new DomainError(
        "INSUFFICIENT_CREDITS",
        `Not enough credit: this request needs ${formatMoney(row.holdMicros!)}`,
        {
          required: formatMoney(row.holdMicros!),
        },
      );
    case "BUDGET_EXCEEDED": {
      const scope = row.budgetScope!;
      const owner = scope === "SESSION_KEY" ? "session key" : scope.toLowerCase();
      throw new DomainError(
        "BUDGET_EXCEEDED",
        `This request (${formatMoney(row.holdMicros!)}) would pass the ${owner}'s ${row.budgetPeriod} ` +
          `budget of ${formatMoney(row.budgetLimit!)}; ${formatMoney(row.budgetRemaining!)} remains`,
        {
          period: row.budgetPeriod!,
          scope,
          limit: formatMoney(row.budgetLimit!),
          remaining: formatMoney(row.budgetRemaining!),
        },
      );
    }
  }
}

function tokenRatesOf(row: OpenRow): TokenRates | undefined {
  if (row.textInputRate === null || row.imageOutputRate === null) return undefined;
  return {
    textInputPerMillionMicros: row.textInputRate,
    imageInputPerMillionMicros: row.imageInputRate ?? 0n,
    imageOutputPerMillionMicros: row.imageOutputRate,
  };
}
