// String-valued enums shared by the domain, the database (Prisma's enums carry the same values) and the API.
// Plain `as const` objects rather than TS enums, so that Prisma's literal unions and ours are the same types.

export const ImageModel = {
  DALL_E_2: "DALL_E_2",
  DALL_E_3: "DALL_E_3",
  GPT_IMAGE_1: "GPT_IMAGE_1",
  GPT_IMAGE_1_MINI: "GPT_IMAGE_1_MINI",
  STABLE_DIFFUSION_XL: "STABLE_DIFFUSION_XL",
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

export const GenerationStatus = { PENDING: "PENDING", SUCCEEDED: "SUCCEEDED", FAILED: "FAILED" } as const;
export type GenerationStatus = (typeof GenerationStatus)[keyof typeof GenerationStatus];

export const Role = { MEMBER: "MEMBER", FINANCE: "FINANCE", ADMIN: "ADMIN" } as const;
export type Role = (typeof Role)[keyof typeof Role];

export const LedgerEntryKind = {
  GRANT: "GRANT",
  CHARGE: "CHARGE",
  REFUND: "REFUND",
  ADJUSTMENT: "ADJUSTMENT",
} as const;
export type LedgerEntryKind = (typeof LedgerEntryKind)[keyof typeof LedgerEntryKind];

export type ProviderName = "openai" | "stability" | "local";
