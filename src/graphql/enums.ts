import { registerEnumType } from "type-graphql";
import {
  GenerationStatus,
  ImageModel,
  ImageQuality,
  ImageResponseFormat,
  ImageSize,
  ImageStyle,
  LedgerEntryKind,
  ModerationLevel,
  Role,
} from "../domain/enums";

registerEnumType(ImageModel, { name: "ImageModel" });
registerEnumType(ImageSize, { name: "ImageSize" });
registerEnumType(ImageQuality, { name: "ImageQuality" });
registerEnumType(ImageStyle, { name: "ImageStyle" });
registerEnumType(ImageResponseFormat, { name: "ImageResponseFormat" });
registerEnumType(ModerationLevel, { name: "ModerationLevel" });
registerEnumType(GenerationStatus, { name: "GenerationStatus" });
registerEnumType(Role, { name: "Role" });
registerEnumType(LedgerEntryKind, { name: "LedgerEntryKind" });

export {
  GenerationStatus,
  ImageModel,
  ImageQuality,
  ImageResponseFormat,
  ImageSize,
  ImageStyle,
  LedgerEntryKind,
  ModerationLevel,
  Role,
};
