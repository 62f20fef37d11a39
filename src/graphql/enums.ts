import { registerEnumType } from "type-graphql";
import { CATALOG } from "../domain/catalog";
import {
  ApiKeyKind,
  GenerationStatus,
  ImageBackground,
  ImageModel,
  ImageOutputFormat,
  ImageQuality,
  ImageResponseFormat,
  ImageSize,
  ImageStyle,
  InputFidelity,
  LedgerEntryKind,
  ModelStatus,
  ModerationLevel,
  Role,
} from "../domain/enums";
import { deprecationReason } from "../domain/models/model-lifecycle";

// Models the provider has shut down keep their enum values, deprecated with the date and the replacement, so that
// frontends' codegen and editors warn (from the catalog's published lifecycle).
const modelDeprecations = Object.fromEntries(
  Object.values(CATALOG).flatMap((spec) => {
    const reason = deprecationReason(spec.model);
    return reason === undefined ? [] : [[spec.model, { deprecationReason: reason }]];
  }),
);

registerEnumType(ImageModel, { name: "ImageModel", valuesConfig: modelDeprecations });
registerEnumType(ImageSize, {
  name: "ImageSize",
  valuesConfig: { CUSTOM: { description: "Any width x height the model's rules allow, given as width and height." } },
});
registerEnumType(ImageQuality, { name: "ImageQuality" });
registerEnumType(ImageStyle, { name: "ImageStyle" });
registerEnumType(ImageResponseFormat, { name: "ImageResponseFormat" });
registerEnumType(ImageOutputFormat, { name: "ImageOutputFormat" });
registerEnumType(ImageBackground, { name: "ImageBackground" });
registerEnumType(ModelStatus, { name: "ModelStatus" });
registerEnumType(ModerationLevel, { name: "ModerationLevel" });
registerEnumType(GenerationStatus, { name: "GenerationStatus" });
registerEnumType(Role, { name: "Role" });
registerEnumType(ApiKeyKind, {
  name: "ApiKeyKind",
  valuesConfig: { SESSION: { description: "Minted by createSessionKey: expires, capped, can create no keys." } },
});
registerEnumType(LedgerEntryKind, { name: "LedgerEntryKind" });
registerEnumType(InputFidelity, {
  name: "InputFidelity",
  description: "How closely an edit keeps its input images' features (faces, logos); HIGH costs more input tokens.",
});

export {
  ApiKeyKind,
  GenerationStatus,
  ImageBackground,
  ImageModel,
  ImageOutputFormat,
  ImageQuality,
  ImageResponseFormat,
  ImageSize,
  ImageStyle,
  InputFidelity,
  LedgerEntryKind,
  ModelStatus,
  ModerationLevel,
  Role,
};
