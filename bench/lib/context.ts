import type { ProfileSummary } from "./cpu-profile";
import type { LedgerCheck } from "./ledger-check";
import type { RequestSpec } from "./load";
import type { Measured, Phase } from "./measure";
import type { Options, TargetName } from "./options";
import { runCommand, type Child } from "./processes";
import type { RoundTripReport } from "./round-trips";
import type { BenchUser, Fake, ImagegateProcess } from "./targets";
import type { HotPathFloor } from "../hot-path-floor";
import type { InFlightReport } from "../phases/in-flight";
import type { PayloadReport } from "../phases/payloads";
import type { HostileReport } from "../phases/hostile";

// What the phases share: the options, the processes setup started, and the report they fill in.

export interface Report {
  startedAt: string;
  options: Options;
  machine: Record<string, string | number>;
  phases: Phase[];
  ratios: Record<string, number>;
  /** With --rounds above 1: a ratio per round, each from two slices run one after the other. */
  roundRatios: Record<string, number[]>;
  /** RSS of each process after start, before any load, in MB. */
  restRssMB?: Record<string, number>;
  roundTrips?: RoundTripReport;
  floor?: HotPathFloor;
  twoProcesses?: { single: Phase | undefined; combined: Phase; ledger: LedgerCheck; verifyLedger: string };
  profile?: ProfileSummary & { file: string; phase: Phase; threads: { name: string; msPerRequest: number }[] };
  inFlight?: InFlightReport;
  payloads?: PayloadReport;
  hostile?: HostileReport;
}

export interface BenchContext {
  options: Options;
  report: Report;
  workDir: string;
  databaseUrl: string;
  databaseName: string;
  fake: Fake;
  imagegate: ImagegateProcess;
  bare: { child: Child; url: string };
  portkey: { child: Child; url: string };
  users: BenchUser[];
  /** The one logical request (DALL-E 2, 256x256, b64) in each target's dialect. */
  specs: Record<TargetName, RequestSpec>;
  targetProcess: Record<TargetName, Measured>;
  /** What one benchmark request costs, as imagegate answered the check. */
  perRequestMicros: bigint;
}

/** The commit the run measured, and whether the working tree had changes on top of it. */
export async function describeCode(): Promise<string> {
  try {
    const head = (await runCommand("git", ["rev-parse", "--short", "HEAD"])).trim();
    const changed = (await runCommand("git", ["status", "--porcelain"])).split("\n").filter((l) => l.trim()).length;
    return changed === 0 ? `git ${head}` : `git ${head} + ${changed} uncommitted changes in the working tree`;
  } catch {
    return "unknown (no git)";
  }
}
