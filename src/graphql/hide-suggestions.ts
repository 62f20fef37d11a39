import type { ApolloServerPlugin, BaseContext } from "@apollo/server";

// With NODE_ENV=production Apollo turns introspection off (its default, which imagegate keeps), but GraphQL's own
// messages still suggest names ('Cannot query field "mee" on type "Query". Did you mean "me"?'), enough to read
// the schema a guess at a time. Apollo's hideSchemaDetailsFromClientErrors strips them from validation errors
// only; a variable's value is checked later, at execution ('Value "DALL_E_4" does not exist in "ImageModel" enum.
// Did you mean the enum value "DALL_E_2"?'), so every error is cleaned here, wherever it was raised.

const SUGGESTION = / ?Did you mean .*\?$/s;

/** Removes GraphQL's "Did you mean ...?" from every error's message, in production (as introspection is off). */
export function hideSuggestionsInProduction(nodeEnv = process.env.NODE_ENV): ApolloServerPlugin<BaseContext> {
  if (nodeEnv !== "production") return {};
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) error.message = error.message.replace(SUGGESTION, "");
        },
      };
    },
  };
}

/** The message without its "Did you mean ...?" in production: for errors answered outside Apollo (graphql-ws). */
export function hideSuggestion(message: string, nodeEnv = process.env.NODE_ENV): string {
  return nodeEnv === "production" ? message.replace(SUGGESTION, "") : message;
}
