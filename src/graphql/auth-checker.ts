import type { AuthChecker } from "type-graphql";
import type { Role } from "../domain/enums";
import { roleRequired, unauthenticated } from "../domain/errors";
import type { GraphQLContext } from "./context";

/**
 * The whole access policy: a caller needs a valid key, and one of the roles an operation names, if it names any; a
 * refusal names them, so that a client knows whom to ask.
 */
export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  if (context.principal === null) throw unauthenticated();
  if (roles.length > 0 && !roles.includes(context.principal.role)) throw roleRequired(roles);
  return true;
};
