import type { RequestSpec } from "./load";

// The one logical request of the benchmark, in each target's dialect: DALL-E 2, 256x256, one image, base64.

export const PROMPT = "a lighthouse at dusk, benchmark";

export const GENERATE_IMAGE_MUTATION =
  "mutation Bench($prompt: String!) { generateImage(input: {prompt: $prompt, model: DALL_E_2, size: SIZE_256X256, " +
  "responseFormat: B64_JSON}) { id cost images { b64Json } } }";

const OPENAI_BODY = JSON.stringify({
  model: "dall-e-2",
  size: "256x256",
  n: 1,
  prompt: PROMPT,
  response_format: "b64_json",
});

const GRAPHQL_BODY = JSON.stringify({ query: GENERATE_IMAGE_MUTATION, variables: { prompt: PROMPT } });

/** An OpenAI images response with one base64 image. */
export const isOpenAIImage = (body: string): boolean => body.includes('"b64_json":"');

/** A generateImage response with no error and an image (a 200 may carry GraphQL errors). */
export const isGeneratedImage = (body: string): boolean =>
  body.startsWith('{"data":{"generateImage":{') && body.includes('"b64Json":"') && !body.includes('"errors"');

/** The generation id of a successful generateImage response. */
export function generationIdOf(body: string): string | undefined {
  return /^\{"data":\{"generateImage":\{"id":"([0-9a-f-]{36})"/.exec(body)?.[1];
}

/** POST /v1/images/generations at an OpenAI-compatible origin (the fake itself, the bare proxy). */
export function openAIRequest(origin: string, apiKey: string): RequestSpec {
  return {
    origin,
    path: "/v1/images/generations",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: OPENAI_BODY,
    verifyBody: isOpenAIImage,
  };
}

/** The same through Portkey's gateway, pointed at the fake by its headers. */
export function portkeyRequest(origin: string, apiKey: string, upstreamBaseURL: string): RequestSpec {
  const spec = openAIRequest(origin, apiKey);
  return {
    ...spec,
    headers: { ...spec.headers, "x-portkey-provider": "openai", "x-portkey-custom-host": upstreamBaseURL },
  };
}

/** generateImage over POST /graphql; with several API keys, connection n uses key n mod count. */
export function imagegateRequest(
  origin: string,
  apiKeys: string[],
  verifyBody: (body: string) => boolean = isGeneratedImage,
): RequestSpec {
  const headersFor = (key: string) => ({ "content-type": "application/json", authorization: `Bearer ${key}` });
  return {
    origin,
    path: "/graphql",
    headers: headersFor(apiKeys[0]!),
    body: GRAPHQL_BODY,
    verifyBody,
    headersForConnection: apiKeys.length > 1 ? (n) => headersFor(apiKeys[n % apiKeys.length]!) : undefined,
  };
}

/** Sends one request outside autocannon; returns the status and body. */
export async function sendOnce(spec: RequestSpec): Promise<{ status: number; body: string }> {
  const response = await fetch(`${spec.origin}${spec.path}`, {
    method: "POST",
    headers: spec.headers,
    body: spec.body,
  });
  return { status: response.status, body: await response.text() };
}
