import type {
  ImageBackground,
  ImageModel,
  ImageOutputFormat,
  ImageQuality,
  ImageStyle,
  InputFidelity,
  ModerationLevel,
  ProviderName,
} from "../enums";
import { saneRequestId } from "../request-id";

// The port the generation flow calls: it owns these types, and providers (src/providers) implement them, so
// dependencies point from the providers to the domain.

/** What the generation flow asks of a provider: already validated against the model's rules. */
export interface ProviderImageRequest {
  model: ImageModel;
  prompt: string;
  n: number;
  width: number;
  height: number;
  quality: ImageQuality;
  style?: ImageStyle;
  moderation?: ModerationLevel;
  outputFormat?: ImageOutputFormat;
  /** 0-100, with outputFormat JPEG or WEBP. */
  outputCompression?: number;
  background?: ImageBackground;
  /** Partial images to stream (1-3, n = 1), reported through ProviderCallOptions.onPartialImage. */
  partialImages?: number;
  /** A stable, non-reversible tag of the caller (OpenAI's `user` field), never the user id itself. */
  userTag: string;
  /** Our request's id (a sane token), sent to the provider so that both sides can find the call in their logs. */
  requestId?: string;
}

/** One source image of an edit, already checked (type, size, dimensions). */
export interface ProviderSourceImage {
  bytes: Buffer;
  contentType: string;
  /** A file name for the multipart part, e.g. `image-0.png`. */
  fileName: string;
}

/** An edit (OpenAI's /v1/images/edits): the generation's parameters, the source images and the optional mask. */
export interface ProviderEditRequest extends ProviderImageRequest {
  images: ProviderSourceImage[];
  mask?: ProviderSourceImage;
  inputFidelity?: InputFidelity;
}

/** One image, as bytes: providers download URLs at once, so nothing we keep depends on a provider's expiring link. */
export interface ProviderImage {
  bytes: Buffer;
  contentType: string;
  revisedPrompt?: string;
}

/** Token usage as reported by providers that bill by tokens (GPT image models). */
export interface ProviderUsage {
  inputTextTokens: number;
  inputImageTokens: number;
  outputTokens: number;
}

export interface ProviderResult {
  images: ProviderImage[];
  usage?: ProviderUsage;
}

/** One partial image of a streaming call, as the provider sent it: for image `index`, the `partialIndex`th. */
export interface ProviderPartialImage {
  index: number;
  partialIndex: number;
  bytes: Buffer;
}

export interface ProviderCallOptions {
  /**
   * Called with each partial image, in order, when the request asks for them and the provider streams. Must not
   * throw; a provider that cannot stream ignores it and answers with the final images only.
   */
  onPartialImage?(partial: ProviderPartialImage): void;
}

export interface ImageProvider {
  readonly name: ProviderName;
  generate(request: ProviderImageRequest, options?: ProviderCallOptions): Promise<ProviderResult>;
  /** Only for models whose catalog entry takes edits; others throw a ProviderError. */
  edit(request: ProviderEditRequest, options?: ProviderCallOptions): Promise<ProviderResult>;
}

export type ProviderFailureKind = "CONTENT_POLICY" | "UPSTREAM";

export interface ProviderFailureDetails {
  /** Whether the same request may succeed if sent again. Default: from `status` (408, 429, 5xx). */
  retryable?: boolean;
  /** The provider's id for the call (OpenAI's x-request-id), if it gave one; kept only when a sane token. */
  requestId?: string | null | undefined;
}

/** Statuses that say "not now" rather than "not this": a timeout, a rate limit, a fault of the provider's. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The only error a provider throws. `message` is safe to log (no secrets, no prompt); callers map `kind`
 * to the API's CONTENT_POLICY_VIOLATION or UPSTREAM_ERROR. `retryable` is true for 408/429/5xx, timeouts and lost
 * connections (providers say so for the last two), false for other 4xx and for answers we cannot use.
 */
export class ProviderError extends Error {
  readonly retryable: boolean;
  readonly providerRequestId: string | undefined;

  constructor(
    readonly kind: ProviderFailureKind,
    message: string,
    readonly status?: number,
    readonly providerCode?: string,
    details: ProviderFailureDetails = {},
  ) {
    super(message);
    this.name = "ProviderError";
    this.retryable = kind === "UPSTREAM" && (details.retryable ?? (status !== undefined && isRetryableStatus(status)));
    this.providerRequestId = saneRequestId(details.requestId);
  }
}
