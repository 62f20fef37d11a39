// String-valued enums shared by the domain, the database (Prisma's enums carry the same values) and the API.
// Plain `as const` objects rather than TS enums, so that Prisma's literal unions and ours are the same types.

export const ImageModel = {
  DALL_E_2: "DALL_E_2",
  DALL_E_3: "DALL_E_3",
  GPT_IMAGE_1: "GPT_IMAGE_1",
  GPT_IMAGE_1_MINI: "GPT_IMAGE_1_MINI",
  STABLE_DIFFUSION_XL: "STABLE_DIFFUSION_XL",
  GPT_IMAGE_2: "GPT_IMAGE_2",
  GPT_IMAGE_2_5_FLARE: "GPT_IMAGE_2_5_FLARE",
  GPT_IMAGE_2_5_SUNBURST: "GPT_IMAGE_2_5_SUNBURST",
  GPT_IMAGE_2_6_FLARE: "GPT_IMAGE_2_6_FLARE",
  GPT_IMAGE_2_6_SUNBURST: "GPT_IMAGE_2_6_SUNBURST",
} as const;
export type ImageModel = (typeof ImageModel)[keyof typeof ImageModel];

export const ImageSize = {
  SIZE_256X256: "SIZE_256X256",
  SIZE_512X512: "SIZE_512X512",
  SIZE_1024X1024: "SIZE_1024X1024",
  SIZE_1792X1024: "SIZE_1792X1024",
  SIZE_1024X1792: "SIZE_1024X1792",
  SIZE_1536X1024: "SIZE_1536X1024",
  SIZE_1024X1536: "SIZE_1024X1536",
  SIZE_2048X2048: "SIZE_2048X2048",
  SIZE_2048X1152: "SIZE_2048X1152",
  SIZE_1152X2048: "SIZE_1152X2048",
  SIZE_3840X2160: "SIZE_3840X2160",
  SIZE_2160X3840: "SIZE_2160X3840",
  /** Any width x height a model's rules allow, given as `width` and `height`. */
  CUSTOM: "CUSTOM",
} as const;
export type ImageSize = (typeof ImageSize)[keyof typeof ImageSize];

export const ImageQuality = {
  STANDARD: "STANDARD",
  HD: "HD",
  LOW: "LOW",
  MEDIUM: "MEDIUM",
  HIGH: "HIGH",
} as const;
export type ImageQuality = (typeof ImageQuality)[keyof typeof ImageQuality];

export const ImageStyle = { VIVID: "VIVID", NATURAL: "NATURAL" } as const;
export type ImageStyle = (typeof ImageStyle)[keyof typeof ImageStyle];

export const ImageResponseFormat = { URL: "URL", B64_JSON: "B64_JSON" } as const;
export type ImageResponseFormat = (typeof ImageResponseFormat)[keyof typeof ImageResponseFormat];

export const ModerationLevel = { AUTO: "AUTO", LOW: "LOW" } as const;
export type ModerationLevel = (typeof ModerationLevel)[keyof typeof ModerationLevel];

export const ImageOutputFormat = { PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP" } as const;
export type ImageOutputFormat = (typeof ImageOutputFormat)[keyof typeof ImageOutputFormat];

export const ImageBackground = { AUTO: "AUTO", OPAQUE: "OPAQUE", TRANSPARENT: "TRANSPARENT" } as const;
export type ImageBackground = (typeof ImageBackground)[keyof typeof ImageBackground];

export const ModelStatus = { ACTIVE: "ACTIVE", DEPRECATED: "DEPRECATED", SHUT_DOWN: "SHUT_DOWN" } as const;
export type ModelStatus = (typeof ModelStatus)[keyof typeof ModelStatus];

export const GenerationStatus = { PENDING: "PENDING", SUCCEEDED: "SUCCEEDED", FAILED: "FAILED" } as const;
export type GenerationStatus = (typeof GenerationStatus)[keyof typeof GenerationStatus];

export const Role = { MEMBER: "MEMBER", FINANCE: "FINANCE", ADMIN: "ADMIN" } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** STANDARD: a long-lived key. SESSION: short-lived, capped and narrowed, for one browser session. */
export const ApiKeyKind = { STANDARD: "STANDARD", SESSION: "SESSION" } as const;
export type ApiKeyKind = (typeof ApiKeyKind)[keyof typeof ApiKeyKind];

export const LedgerEntryKind = {
  GRANT: "GRANT",
  CHARGE: "CHARGE",
  REFUND: "REFUND",
  ADJUSTMENT: "ADJUSTMENT",
} as const;
export type LedgerEntryKind = (typeof LedgerEntryKind)[keyof typeof LedgerEntryKind];

export type ProviderName = "openai" | "stability" | "local";

/** How closely an edit keeps its input images' features (OpenAI's `input_fidelity`). */
export const InputFidelity = { LOW: "LOW", HIGH: "HIGH" } as const;
export type InputFidelity = (typeof InputFidelity)[keyof typeof InputFidelity];
