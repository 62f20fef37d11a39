import { registerEnumType } from "type-graphql";
import { SpendDimension } from "../../domain/reports/spend-dimension";

registerEnumType(SpendDimension, {
  name: "SpendDimension",
  description: "What a spend report groups by. DAY is a calendar day in the deployment's time zone (TIME_ZONE).",
  valuesConfig: {
    TEAM: { description: "The team the user was in when charged; a null team is spend outside any team." },
    DAY: { description: "SpendRow.day is the day's first instant in the deployment's time zone." },
  },
});

export { SpendDimension };
