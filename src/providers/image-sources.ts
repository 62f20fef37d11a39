// Where an image URL in a provider's answer may be fetched from. A provider's answer is not trusted to name a
// server: without this, {"url": "http://127.0.0.1:4000/..."} would have us fetch our own or a neighbour's internal
// pages and serve them as the caller's image.

/** To which addresses an admitted URL's host may resolve (and be connected to). */
export type AddressRule = "PUBLIC_ONLY" | "ANY";

export interface ImageSources {
  /** Undefined when the URL may not be fetched; `redirected` when it came from a Location header. */
  admit(url: URL, redirected: boolean): AddressRule | undefined;
}

/**
 * The hosts OpenAI's image URLs come from (DALL-E's pre-signed Azure blob URLs, as seen in answers; OpenAI publishes
 * no list), and OpenAI's own domains. Only these two blob accounts: any Azure customer can own a *.blob.core.windows
 * .net name, so the suffix alone would admit anyone's server.
 */
const OPENAI_HOSTS = new Set(["oaidalleapiprodscus.blob.core.windows.net", "dalleproduse.blob.core.windows.net"]);
const OPENAI_DOMAINS = ["openai.com", "oaiusercontent.com"];

function isOpenAIHost(hostname: string): boolean {
  return (
    OPENAI_HOSTS.has(hostname) ||
    OPENAI_DOMAINS.some((domain) => hostname === domain || hostname.endsWith(`.${domain}`))
  );
}

/**
 * OpenAI's sources: https on port 443 from OpenAI's hosts, at public addresses; and, when a base URL is configured (an
 * OpenAI-compatible gateway, or the tests' fake), its own scheme, host and port. That host is wherever the base URL
 * resolves (a gateway on a private network is a deployment's choice; the SDK sends it the API key already), but only
 * on the first request: a redirect must stay on these hosts and reach a public address, whoever sent it.
 */
export function openAIImageSources(baseURL?: string): ImageSources {
  const base = baseURL === undefined ? undefined : new URL(baseURL);
  return {
    admit(url, redirected) {
      if (url.username !== "" || url.password !== "") return undefined;
      if (base !== undefined && url.protocol === base.protocol && url.host === base.host) {
        return redirected ? "PUBLIC_ONLY" : "ANY";
      }
      if (url.protocol === "https:" && url.port === "" && isOpenAIHost(url.hostname)) return "PUBLIC_ONLY";
      return undefined;
    },
  };
}
