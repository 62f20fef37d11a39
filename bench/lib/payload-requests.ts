import type http from "node:http";
import { send, type Outcome } from "./closed-loop";
import { PROMPT } from "./requests";

// The payload phase's request, in each target's dialect: gpt-image-2, 1536x1024, one PNG (the fake's 3.5 MB of
// noise). "b64": the provider answers base64 and the client gets base64 (imagegate: images { b64Json }). "url": the
// provider answers a URL on its own host; the client ends up with the bytes all the same: through Portkey or the bare
// proxy it downloads them from the provider's URL itself, as a client of a pass-through gateway must; imagegate
// downloads and stores them, answers its own URL (images { url }), and the client downloads them from imagegate.

export type PayloadFormat = "b64" | "url";

const TIMEOUT_MS = 120_000;

const mutation = (field: "b64Json" | "url") =>
  "mutation Payload($prompt: String!) { generateImage(input: {prompt: $prompt, model: GPT_IMAGE_2, " +
  `size: SIZE_1536X1024, responseFormat: ${field === "b64Json" ? "B64_JSON" : "URL"}}) { id cost images { ${field} } } }`;

const OPENAI_BODY = JSON.stringify({ model: "gpt-image-2", size: "1536x1024", n: 1, prompt: PROMPT });

const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

/** The length of the JSON string value after `key` (e.g. '"b64_json":"'), or -1 when absent. */
function stringValueLength(body: Buffer, key: string): number {
  const at = body.indexOf(key);
  if (at < 0) return -1;
  const from = at + key.length;
  const to = body.indexOf('"', from);
  return to < 0 ? -1 : to - from;
}

export interface PayloadTarget {
  /** "openai": POST <origin>/v1/images/generations (the fake, the bare proxy, Portkey with `headers`). */
  kind: "openai" | "imagegate";
  origin: string;
  headers: Record<string, string>;
  /** imagegate: one key per slot, in turn. */
  keys?: string[];
}

/** One exchange of the payload phase; `bytes` is the image's when it arrived whole. */
export function payloadExchange(
  target: PayloadTarget,
  format: PayloadFormat,
  imageBytes: number,
  agents: { api: http.Agent; download: http.Agent },
): (slot: number) => Promise<Outcome> {
  const failed = (status: number, body: Buffer): Outcome => ({
    ok: false,
    bytes: 0,
    failure: `${status} ${body.subarray(0, 300).toString()}`,
  });
  const call = (slot: number) =>
    target.kind === "imagegate"
      ? send(agents.api, {
          method: "POST",
          url: `${target.origin}/graphql`,
          headers: {
            ...target.headers,
            authorization: `Bearer ${target.keys![slot % target.keys!.length]}`,
          },
          body: JSON.stringify({
            query: mutation(format === "b64" ? "b64Json" : "url"),
            variables: { prompt: PROMPT },
          }),
          timeoutMs: TIMEOUT_MS,
        })
      : send(agents.api, {
          method: "POST",
          url: `${target.origin}/v1/images/generations`,
          headers: target.headers,
          body: OPENAI_BODY,
          timeoutMs: TIMEOUT_MS,
        });
  const b64Key = target.kind === "imagegate" ? '"b64Json":"' : '"b64_json":"';
  return async (slot) => {
    const answer = await call(slot);
    if (answer.status !== 200 || answer.body.includes('"errors"')) return failed(answer.status, answer.body);
    if (format === "b64") {
      const ok = stringValueLength(answer.body, b64Key) === base64Length(imageBytes);
      return ok ? { ok, bytes: imageBytes } : failed(answer.status, answer.body);
    }
    const parsed = JSON.parse(answer.body.toString()) as ImageAnswer | OpenAIAnswer;
    const url = Array.isArray(parsed.data) ? parsed.data[0]?.url : parsed.data?.generateImage?.images?.[0]?.url;
    if (typeof url !== "string") return failed(answer.status, answer.body);
    const image = await send(agents.download, { method: "GET", url, timeoutMs: TIMEOUT_MS });
    const ok = image.status === 200 && image.body.length === imageBytes;
    return ok ? { ok, bytes: imageBytes } : failed(image.status, image.body);
  };
}

interface ImageAnswer {
  data?: { generateImage?: { images?: { url?: string }[] } };
}

interface OpenAIAnswer {
  data?: { url?: string }[];
}
