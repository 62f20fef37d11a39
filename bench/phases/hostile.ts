import type http from "node:http";
import path from "node:path";
import { holdingAgent, runClosedLoop, send, type Outcome } from "../lib/closed-loop";
import type { BenchContext } from "../lib/context";
import { coresLine, leastDisturbed, othersCores } from "../lib/measure";
import { fixed, MB, out, sleep, table, verdict } from "../lib/output";
import { payloadExchange } from "../lib/payload-requests";
import { memory, PhaseMeter, type PhaseUsage } from "../lib/proc-stats";
import { PROMPT } from "../lib/requests";
import {
  createManyUsers,
  probeProcess,
  processProbeArgs,
  setFakeMode,
  startFake,
  startImagegateProcess,
  type Fake,
  type FakeMode,
  type ProcessProbeReport,
} from "../lib/targets";

// The review's hostile cases, in a loop, against one imagegate process: a provider whose image URL never ends (no
// length), a provider answering 300 MB of valid JSON, and a short query asking for the base64 of every image of 100
// stored generations (each a 3.5 MB PNG of 1536x1024). Each case alone, then all of them at once; imagegate's peak
// RSS in each. The provider cases are expected to fail as designed (UPSTREAM_ERROR, nothing kept); the query is
// answered, or refused, as the code under test decides.

type CaseName = "endless download" | "300 MB JSON" | "b64Json of 100 generations";
const CASES: CaseName[] = ["endless download", "300 MB JSON", "b64Json of 100 generations"];
const FAKE_MODES: Partial<Record<CaseName, FakeMode>> = {
  "endless download": "endless-download",
  "300 MB JSON": "huge-json",
};

export const LIST_QUERY = "{generations(first:100){edges{node{images{b64Json}}}}}";

export interface HostileSlice {
  cases: CaseName[];
  seconds: number;
  /** Requests of each case and how they ended. */
  outcomes: { case: CaseName; requests: number; asDesigned: number; first: string | undefined; bytes: number }[];
  peakRssMB: number;
  usage: PhaseUsage;
  attempts: number;
  /** imagegate's own figures over the slice (bench/lib/process-probe.cjs). */
  memory: ProcessProbeReport;
}

export interface HostileReport {
  restRssMB: number;
  storedGenerations: number;
  listQueryBytes: number;
  slices: HostileSlice[];
}

export async function runHostile(context: BenchContext): Promise<void> {
  const settings = context.options.hostile;
  out(
    `\n[hostile] ${CASES.join("; ")}: each alone for ${settings.seconds} s, then all at once; provider cases ` +
      `${settings.concurrency} at a time, the query one at a time`,
  );
  const fake = await startFake(0, "noise-b64", "fake OpenAI (hostile)");
  const memoryFile = path.join(context.workDir, "memory-hostile.jsonl");
  const imagegate = await startImagegateProcess({
    name: "imagegate-hostile",
    databaseUrl: context.databaseUrl,
    fake,
    workDir: context.workDir,
    ...processProbeArgs(memoryFile),
  });
  const users = await createManyUsers(context.databaseUrl, "hostile", settings.concurrency + 1);
  const reader = users.pop()!;
  const agent = holdingAgent(settings.concurrency + 1);
  try {
    out(`  imagegate ${imagegate.url} (pid ${imagegate.child.pid}); storing ${settings.storedGenerations} generations`);
    await storeGenerations(imagegate.url, reader.apiKey, fake, settings.storedGenerations);
    await sleep(2_000);
    const restRssMB = MB(memory(imagegate.child.pid).rssBytes);
    const listQueryBytes = Buffer.byteLength(JSON.stringify({ query: LIST_QUERY }));
    out(`  RSS after storing: ${fixed(restRssMB, 0)} MB; the list query's body: ${listQueryBytes} bytes`);
    const report: HostileReport = {
      restRssMB,
      storedGenerations: settings.storedGenerations,
      listQueryBytes,
      slices: [],
    };
    context.report.hostile = report;
    const run = (cases: CaseName[]) => ({
      cases,
      url: imagegate.url,
      pid: imagegate.child.pid,
      fake,
      agent,
      keys: users.map((u) => u.apiKey),
      readerKey: reader.apiKey,
      seconds: settings.seconds,
      concurrency: settings.concurrency,
      databaseName: context.databaseName,
      memoryFile,
    });
    for (const cases of [...CASES.map((c) => [c]), CASES]) {
      const { result, attempts } = await leastDisturbed(
        () => runCases(run(cases)),
        (slice) => slice.usage,
      );
      result.attempts = attempts;
      report.slices.push(result);
    }
    printHostile(report, context);
  } finally {
    agent.destroy();
    await imagegate.child.stop();
    await fake.child.stop();
  }
}

/** The reader's generations, each one 1536x1024 PNG of noise kept with its base64 asked for, 8 at a time. */
async function storeGenerations(url: string, key: string, fake: Fake, count: number): Promise<void> {
  const agents = { api: holdingAgent(8), download: holdingAgent(8) };
  const exchange = payloadExchange(
    { kind: "imagegate", origin: url, headers: { "content-type": "application/json" }, keys: [key] },
    "b64",
    fake.imageBytes,
    agents,
  );
  let started = 0;
  let stored = 0;
  let firstFailure: string | undefined;
  const worker = async (slot: number) => {
    while (started < count) {
      started++;
      const outcome = await exchange(slot);
      if (outcome.ok) stored++;
      else firstFailure ??= outcome.failure;
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, slot) => worker(slot)));
  agents.api.destroy();
  agents.download.destroy();
  if (stored < count) throw new Error(`stored ${stored} of ${count} generations; first failure: ${firstFailure}`);
}

interface CaseRun {
  cases: CaseName[];
  url: string;
  pid: number;
  fake: Fake;
  agent: http.Agent;
  keys: string[];
  readerKey: string;
  seconds: number;
  concurrency: number;
  databaseName: string;
  memoryFile: string;
}

async function runCases(run: CaseRun): Promise<HostileSlice> {
  const label = run.cases.length === 1 ? run.cases[0]! : "all at once";
  out(`  ${label}: ${run.seconds} s`);
  const providerCases = run.cases.filter((c) => FAKE_MODES[c] !== undefined);
  await setFakeMode(run.fake, FAKE_MODES[providerCases[0] ?? "endless download"]!);
  // With both provider cases at once, the fake's answer alternates every second.
  let turn = 0;
  const alternate =
    providerCases.length > 1
      ? setInterval(() => void setFakeMode(run.fake, FAKE_MODES[providerCases[++turn % providerCases.length]!]!), 1_000)
      : undefined;
  // From a collected heap, with the probe's peaks reset.
  await probeProcess(run.pid, run.memoryFile);
  const meter = new PhaseMeter(
    [
      { name: "imagegate", pid: run.pid },
      { name: "fake", pid: run.fake.child.pid },
    ],
    run.databaseName,
  );
  meter.start();
  const outcomes = await Promise.all(
    run.cases.map(async (name) => {
      const isQuery = FAKE_MODES[name] === undefined;
      const loop = runClosedLoop({
        slots: isQuery ? 1 : run.concurrency,
        rampMs: 0,
        stopAfterMs: run.seconds * 1000,
        exchange: isQuery ? listQuery(run) : providerCase(run),
      });
      const exchanges = await loop.done;
      return {
        case: name,
        requests: exchanges.ok.length,
        asDesigned: exchanges.ok.filter(Boolean).length,
        first: exchanges.firstFailure,
        bytes: Math.max(0, ...exchanges.bytes),
      };
    }),
  );
  clearInterval(alternate);
  const usage = meter.stop();
  const memory = await probeProcess(run.pid, run.memoryFile);
  const slice: HostileSlice = {
    cases: run.cases,
    seconds: run.seconds,
    outcomes,
    peakRssMB: MB(usage.processes[0]!.peakRssBytes),
    usage,
    attempts: 1,
    memory,
  };
  for (const o of outcomes) {
    out(
      `    ${o.case}: ${o.requests} requests, ${o.asDesigned} answered as designed` +
        (o.case.startsWith("b64Json") ? `, answers up to ${fixed(MB(o.bytes), 0)} MB` : "") +
        (o.first === undefined ? "" : `; otherwise: ${o.first}`),
    );
  }
  const mb = (bytes: number) => fixed(MB(bytes), 0);
  out(
    `    peak RSS ${fixed(slice.peakRssMB, 0)} MB; inside: heap used ${mb(memory.peak.heapUsed)} of ` +
      `${mb(memory.peak.heapTotal)}, external ${mb(memory.peak.external)} MB (50 ms samples)`,
  );
  out(`    ${coresLine(usage)}`);
  return slice;
}

/** generateImage against the hostile provider: as designed when refused with UPSTREAM_ERROR. */
function providerCase(run: CaseRun): (slot: number) => Promise<Outcome> {
  const body = JSON.stringify({
    query:
      "mutation Hostile($prompt: String!) { generateImage(input: {prompt: $prompt, model: GPT_IMAGE_2, " +
      "size: SIZE_1536X1024, responseFormat: B64_JSON}) { id images { b64Json } } }",
    variables: { prompt: PROMPT },
  });
  return async (slot) => {
    const answer = await send(run.agent, {
      method: "POST",
      url: `${run.url}/graphql`,
      headers: { "content-type": "application/json", authorization: `Bearer ${run.keys[slot % run.keys.length]}` },
      body,
      timeoutMs: 300_000,
      keepBytes: 4096,
    });
    const text = answer.body.toString();
    const ok = answer.status === 200 && text.includes('"code":"UPSTREAM_ERROR"');
    return { ok, bytes: answer.length, failure: ok ? undefined : `${answer.status} ${text.slice(0, 300)}` };
  };
}

/** The list query: "as designed" is any complete answer, data or a coded refusal (the code under test decides). */
function listQuery(run: CaseRun): (slot: number) => Promise<Outcome> {
  const body = JSON.stringify({ query: LIST_QUERY });
  return async () => {
    const answer = await send(run.agent, {
      method: "POST",
      url: `${run.url}/graphql`,
      headers: { "content-type": "application/json", authorization: `Bearer ${run.readerKey}` },
      body,
      timeoutMs: 300_000,
      keepBytes: 4096,
    });
    const text = answer.body.toString();
    const ok = answer.status === 200 && (text.startsWith('{"data":{"generations"') || text.includes('"code":"'));
    return { ok, bytes: answer.length, failure: ok ? undefined : `${answer.status} ${text.slice(0, 300)}` };
  };
}

function printHostile(report: HostileReport, context: BenchContext): void {
  out(
    `\n[hostile: summary] imagegate's RSS after storing ${report.storedGenerations} generations: ${fixed(report.restRssMB, 0)} MB`,
  );
  out(
    table(
      [
        "case",
        "seconds",
        "requests",
        "as designed",
        "largest answer MB",
        "peak RSS MB",
        "peak / at rest",
        "heap peak MB",
        "external peak MB",
        "others' cores",
      ],
      report.slices.map((slice) => [
        slice.cases.length === 1 ? slice.cases[0]! : "all at once",
        fixed(slice.seconds, 0),
        slice.outcomes.map((o) => o.requests).join(" + "),
        slice.outcomes.map((o) => o.asDesigned).join(" + "),
        fixed(MB(Math.max(...slice.outcomes.map((o) => o.bytes))), 1),
        fixed(slice.peakRssMB, 0),
        fixed(slice.peakRssMB / report.restRssMB),
        fixed(MB(slice.memory.peak.heapUsed), 0),
        fixed(MB(slice.memory.peak.external), 0),
        fixed(othersCores(slice.usage)),
      ]),
    ),
  );
  const peak = Math.max(...report.slices.map((s) => s.peakRssMB));
  const rows = [["imagegate's peak RSS over every case, MB", fixed(peak, 0), "< 512", verdict(peak < 512)]];
  const legit = context.report.payloads?.results.find((s) => s.target === "imagegate" && s.format === "b64");
  if (legit !== undefined)
    rows.push(["  / its peak under real 3.5 MB images at c=32 (payloads)", fixed(peak / legit.peakRssMB), "", ""]);
  out(table(["figure", "value", "target", ""], rows));
}
