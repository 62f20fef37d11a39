import type { Logger } from "./logger";

/**
 * The request a piece of work is done for, as the domain sees it: its id (sent to providers, put on errors) and a
 * logger that adds the id to every line. The edge makes one per HTTP request.
 */
export interface RequestScope {
  readonly requestId: string;
  readonly logger: Logger;
  /** The generation this request opened or replayed, and what it was charged: set by the flow, for the access log. */
  generationId?: string;
  costMicros?: bigint;
}
