-- The enum values of migration models_as_data, alone: PostgreSQL refuses a new enum value in the transaction that
-- adds it, and models_as_data seeds prices and writes functions that use them.
ALTER TYPE "ImageModel" ADD VALUE 'GPT_IMAGE_2';
ALTER TYPE "ImageModel" ADD VALUE 'GPT_IMAGE_2_5_FLARE';
ALTER TYPE "ImageModel" ADD VALUE 'GPT_IMAGE_2_5_SUNBURST';
ALTER TYPE "ImageModel" ADD VALUE 'GPT_IMAGE_2_6_FLARE';
ALTER TYPE "ImageModel" ADD VALUE 'GPT_IMAGE_2_6_SUNBURST';

ALTER TYPE "ImageSize" ADD VALUE 'SIZE_2048X2048';
ALTER TYPE "ImageSize" ADD VALUE 'SIZE_2048X1152';
ALTER TYPE "ImageSize" ADD VALUE 'SIZE_1152X2048';
ALTER TYPE "ImageSize" ADD VALUE 'SIZE_3840X2160';
ALTER TYPE "ImageSize" ADD VALUE 'SIZE_2160X3840';
ALTER TYPE "ImageSize" ADD VALUE 'CUSTOM';

ALTER TYPE "TokenKind" ADD VALUE 'CACHED_TEXT_INPUT';
ALTER TYPE "TokenKind" ADD VALUE 'CACHED_IMAGE_INPUT';
