import { registerEnumType } from "type-graphql";
import { SpendDimension } from "../../domain/reports/spend-dimension";

registerEnumType(SpendDimension, {
  name: "SpendDimension",
  description: "What a spend report groups by. DAY is a calendar day in the deployment's time zone (TIME_ZONE).",
  valuesConfig: {
    TEAM: { description: "The team the user was in when charged; a null team is spend outside any team." },
    API_KEY: { description: "The API key the request came with; null before keys were recorded." },
    TAG: {
      description:
        "GenerateImageInput.tags: a generation with several tags counts toward each (rows then add up to more than " +
        "the total, which stays the spend); untagged spend is one row whose tag is null.",
    },
    DAY: { description: "SpendRow.day is the day's first instant in the deployment's time zone." },
  },
});

export { SpendDimension };
