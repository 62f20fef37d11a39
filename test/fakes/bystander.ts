import { renderPlaceholderPng } from "../../src/providers/placeholder-png";
import { sendBytes, startHttpFake, type RecordedRequest, type RunningFake } from "./http-fake";

/**
 * A server on 127.0.0.1 that a provider's answer must never make imagegate reach: an internal service (a metadata
 * endpoint, an admin page) standing in for whatever sits on a loopback or private address. It answers a valid PNG,
 * so that only the rule about where we fetch from, not the check of what we fetched, can keep it out.
 */
export interface Bystander {
  /** "http://127.0.0.1:PORT" */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startBystander(): Promise<Bystander> {
  const requests: RecordedRequest[] = [];
  const secret = renderPlaceholderPng(16, 16, "bystander");
  const running: RunningFake = await startHttpFake(
    (request) => requests.push(request),
    async (_request, res) => sendBytes(res, 200, secret, { "content-type": "image/png" }),
  );
  return { origin: running.origin, requests, close: () => running.close() };
}
