import type pg from "pg";
import { Gauge, type Registry } from "prom-client";

// Gauges read when Prometheus scrapes, from state the process keeps anyway: nothing is counted on the hot path, and
// nothing here touches the database.

export interface GaugeSources {
  /** The pg pool under Prisma and the prepared statements (src/db/client.ts), when known. */
  pool: pg.Pool | undefined;
  /** Generations of this process between their hold and its charge or release. */
  holdsOpen(): number;
  /** Started generations this process is carrying, and MAX_BACKGROUND_RUNS. */
  backgroundRuns(): number;
  maxBackgroundRuns: number;
  /** Connections the HTTP server has open. */
  openConnections(): Promise<number>;
  maxConnections: number;
}

export function registerGauges(registry: Registry, sources: GaugeSources): void {
  const registers = [registry];
  const { pool } = sources;
  new Gauge({
    name: "imagegate_holds_open",
    help: "Holds this process has open: generations between their hold and their charge or release (a dead process's holds are the sweeper's)",
    registers,
    collect() {
      this.set(sources.holdsOpen());
    },
  });
  new Gauge({
    name: "imagegate_background_runs",
    help: "Started generations (startImageGeneration) this process is carrying",
    registers,
    collect() {
      this.set(sources.backgroundRuns());
    },
  });
  new Gauge({
    name: "imagegate_background_runs_max",
    help: "MAX_BACKGROUND_RUNS: starts beyond it are refused with SERVICE_UNAVAILABLE",
    registers,
    collect() {
      this.set(sources.maxBackgroundRuns);
    },
  });
  new Gauge({
    name: "imagegate_http_connections_open",
    help: "HTTP connections open on the API port",
    registers,
    async collect() {
      this.set(await sources.openConnections());
    },
  });
  new Gauge({
    name: "imagegate_http_connections_max",
    help: "MAX_CONNECTIONS: connections beyond it are refused",
    registers,
    collect() {
      this.set(sources.maxConnections);
    },
  });
  if (pool === undefined) return;
  new Gauge({
    name: "imagegate_db_pool_connections_in_use",
    help: "Database pool connections running a query or a transaction",
    registers,
    collect() {
      this.set(pool.totalCount - pool.idleCount);
    },
  });
  new Gauge({
    name: "imagegate_db_pool_requests_waiting",
    help: "Queries waiting for a database pool connection",
    registers,
    collect() {
      this.set(pool.waitingCount);
    },
  });
  new Gauge({
    name: "imagegate_db_pool_connections_max",
    help: "The database pool's size",
    registers,
    collect() {
      this.set(pool.options.max ?? 10);
    },
  });
}
