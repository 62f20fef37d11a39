import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { ProviderError } from "../domain/generation/image-provider";
import type { AddressRule, ImageSources } from "./image-sources";
import { isPublicAddress } from "./public-address";

export interface DownloadOptions {
  /** Which URLs may be fetched, and to which addresses they may connect. */
  sources: ImageSources;
  /** For the whole download, redirects included. */
  timeoutMs: number;
  /** Reading stops past this many bytes. */
  maxBytes: number;
  providerLabel: string;
}

/** Redirects followed at most: pre-signed blob URLs need none; a chain of them is a provider misbehaving. */
const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

type Hop = { kind: "bytes"; bytes: Buffer } | { kind: "redirect"; location: string };

/**
 * Downloads an image a provider handed out as a URL (they expire within the hour, so we keep the bytes), from the
 * sources' hosts only, connecting only to the addresses their rule allows: the check is on the address each name
 * resolves to when we connect, so a name that resolves elsewhere by then (DNS rebinding) gains nothing. No
 * credentials are sent: provider image URLs are pre-signed. Failures are UPSTREAM errors whose message names the
 * status but neither the URL (it may carry a signature) nor anything else the provider wrote.
 */
export async function downloadImage(url: string, options: DownloadOptions): Promise<Buffer> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current = parseUrl(url, undefined, options.providerLabel);
  for (let redirects = 0; ; redirects++) {
    const rule = options.sources.admit(current, redirects > 0);
    if (rule === undefined) {
      const what = redirects > 0 ? "redirected to a URL" : "returned an image URL";
      throw failure(options, `${what} that is not one of its hosts`);
    }
    const hop = await fetchOnce(current, rule, signal, options);
    if (hop.kind === "bytes") return hop.bytes;
    if (redirects === MAX_REDIRECTS) throw failure(options, `redirected more than ${MAX_REDIRECTS} times`);
    current = parseUrl(hop.location, current, options.providerLabel);
  }
}

function parseUrl(url: string, base: URL | undefined, providerLabel: string): URL {
  try {
    return new URL(url, base);
  } catch {
    throw new ProviderError("UPSTREAM", `${providerLabel} returned an image URL that is not a URL`);
  }
}

function failure(options: DownloadOptions, what: string, status?: number): ProviderError {
  return new ProviderError("UPSTREAM", `${options.providerLabel} image download ${what}`, status);
}

/** A timeout or a lost connection: the same request may succeed if sent again. */
function transientFailure(options: DownloadOptions, what: string): ProviderError {
  return new ProviderError("UPSTREAM", `${options.providerLabel} image download ${what}`, undefined, undefined, {
    retryable: true,
  });
}

/** One GET: the body, capped, or where a redirect points. */
function fetchOnce(url: URL, rule: AddressRule, signal: AbortSignal, options: DownloadOptions): Promise<Hop> {
  return new Promise<Hop>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      outcome();
    };
    const fail = (error: ProviderError) => {
      settle(() => reject(error));
      request.destroy();
    };
    const succeed = (hop: Hop) => {
      settle(() => resolve(hop));
      request.destroy(); // a redirect's body is not read
    };
    const onAbort = () => fail(transientFailure(options, "timed out"));

    const client = url.protocol === "https:" ? https : url.protocol === "http:" ? http : undefined;
    if (client === undefined) return reject(failure(options, `failed: scheme ${url.protocol} is not fetched`));
    const literal = url.hostname.replace(/^\[|\]$/g, "");
    if (rule === "PUBLIC_ONLY" && isIP(literal) !== 0 && !isPublicAddress(literal)) {
      return reject(failure(options, "failed: its host is not a public address"));
    }
    if (signal.aborted) return reject(transientFailure(options, "timed out"));

    const request = client.request(url, {
      method: "GET",
      headers: { accept: "image/png, image/jpeg, image/webp" },
      // A fresh connection, so that every hop goes through the lookup below, never a pooled socket.
      agent: false,
      ...(rule === "PUBLIC_ONLY" ? { lookup: publicLookup } : {}),
    });
    request.on("response", (response) => {
      const remote = response.socket.remoteAddress;
      if (rule === "PUBLIC_ONLY" && (remote === undefined || !isPublicAddress(remote))) {
        return fail(failure(options, "failed: its host is not a public address"));
      }
      onResponse(response, options, fail, succeed);
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === NOT_PUBLIC) return fail(failure(options, "failed: its host is not a public address"));
      fail(transientFailure(options, `failed: network error${typeof error.code === "string" ? ` ${error.code}` : ""}`));
    });
    signal.addEventListener("abort", onAbort, { once: true });
    request.end();
  });
}

function onResponse(
  response: IncomingMessage,
  options: DownloadOptions,
  fail: (error: ProviderError) => void,
  done: (hop: Hop) => void,
): void {
  const status = response.statusCode ?? 0;
  if (REDIRECT_STATUSES.has(status)) {
    const location = response.headers.location;
    if (location === undefined || location === "")
      return fail(failure(options, `got HTTP ${status} without a Location`));
    return done({ kind: "redirect", location });
  }
  if (status < 200 || status > 299) return fail(failure(options, `failed with HTTP ${status}`, status));
  const declared = Number(response.headers["content-length"] ?? "0");
  if (declared > options.maxBytes) return fail(failure(options, `is larger than ${options.maxBytes} bytes`));
  const body = new BodyBytes(declared);
  response.on("data", (chunk: Buffer) => {
    // Counted as it arrives: a body without a length (or with a false one) stops here, not at the timeout.
    if (body.length + chunk.length > options.maxBytes) {
      return fail(failure(options, `is larger than ${options.maxBytes} bytes`));
    }
    body.append(chunk);
  });
  response.on("end", () => {
    if (!response.complete) return fail(transientFailure(options, "was cut short"));
    if (body.length === 0) return fail(failure(options, "returned no bytes"));
    done({ kind: "bytes", bytes: body.bytes() });
  });
  response.on("error", () => fail(transientFailure(options, "was cut short")));
}

const NOT_PUBLIC = "ERR_IMAGE_HOST_NOT_PUBLIC";

/** dns.lookup, keeping only public addresses: the socket connects to what this answers, and to nothing else. */
const publicLookup: LookupFunction = (hostname, lookupOptions, callback) => {
  dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
    if (error !== null) return callback(error, "", 0);
    const allowed = addresses.filter((entry) => isPublicAddress(entry.address));
    const first = allowed[0];
    if (first === undefined) {
      return callback(Object.assign(new Error("not a public address"), { code: NOT_PUBLIC }), "", 0);
    }
    if (lookupOptions.all === true) return callback(null, allowed);
    callback(null, first.address, first.family);
  });
};

/**
 * A body gathered as it arrives. With a Content-Length, each chunk is copied at once into one buffer of that length
 * and dropped: no chunk outlives the young generation, and the whole is not copied again at the end (with the
 * pooled reads of ../storage/file-range-copy.ts, 17 % less CPU per URL-mode generation: bench/RESULTS.md, session
 * 11). A body without a length, or longer than it said, is kept in chunks.
 */
class BodyBytes {
  private readonly chunks: Buffer[] = [];
  private readonly sized: Buffer | undefined;
  length = 0;

  constructor(declaredLength: number) {
    this.sized =
      Number.isSafeInteger(declaredLength) && declaredLength > 0 ? Buffer.allocUnsafeSlow(declaredLength) : undefined;
  }

  append(chunk: Buffer): void {
    if (this.sized !== undefined && this.chunks.length === 0 && this.length + chunk.length <= this.sized.length) {
      chunk.copy(this.sized, this.length);
    } else {
      if (this.chunks.length === 0 && this.sized !== undefined) this.chunks.push(this.sized.subarray(0, this.length));
      this.chunks.push(chunk);
    }
    this.length += chunk.length;
  }

  bytes(): Buffer {
    if (this.chunks.length === 0) return this.sized!.subarray(0, this.length);
    return Buffer.concat(this.chunks, this.length);
  }
}
