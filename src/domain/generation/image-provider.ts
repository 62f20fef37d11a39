import type {
  ImageBackground,
  ImageModel,
  ImageOutputFormat,
  ImageQuality,
  ImageStyle,
  ModerationLevel,
  ProviderName,
} from "../enums";

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
  /** A stable, non-reversible tag of the caller (OpenAI's `user` field), never the user id itself. */
  userTag: string;
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

export interface ImageProvider {
  readonly name: ProviderName;
  generate(request: ProviderImageRequest): Promise<ProviderResult>;
}

export type ProviderFailureKind = "CONTENT_POLICY" | "UPSTREAM";

/**
 * The only error a provider throws. `message` is safe to log (no secrets, no prompt); callers map `kind`
 * to the API's CONTENT_POLICY_VIOLATION or UPSTREAM_ERROR.
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderFailureKind,
    message: string,
    readonly status?: number,
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}
