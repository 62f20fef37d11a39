import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { formatMoney, MONEY_INPUT_MAX_MICROS, MoneyFormatError, MoneyRangeError, parseMoney } from "../../domain/money";

const badUserInput = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

const invalid = (detail: string) =>
  badUserInput(`Money must be a string of US dollars with at most six fractional digits: ${detail}`);

function parse(input: string): bigint {
  try {
    return parseMoney(input);
  } catch (error) {
    if (error instanceof MoneyRangeError) {
      throw badUserInput(
        `Money must be at most ${formatMoney(MONEY_INPUT_MAX_MICROS)} either side of zero: ${JSON.stringify(input)}`,
      );
    }
    if (error instanceof MoneyFormatError) throw invalid(JSON.stringify(input));
    throw error;
  }
}

/** US dollars as a decimal string with six fractional digits ("0.040000"); integer micro-dollars (bigint) inside. */
export const MoneyScalar = new GraphQLScalarType<bigint, string>({
  name: "Money",
  description:
    'US dollars as a decimal string with exactly six fractional digits, e.g. "0.040000". Never a float. ' +
    `As an input, at most ${formatMoney(MONEY_INPUT_MAX_MICROS)} either side of zero.`,
  serialize(value) {
    if (typeof value !== "bigint") throw new TypeError("Money fields must resolve to bigint micro-dollars");
    return formatMoney(value);
  },
  parseValue(value) {
    if (typeof value !== "string") throw invalid(`got ${typeof value}; send a string such as "10.50"`);
    return parse(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid(`got a ${ast.kind} literal; send a string such as "10.50"`);
    return parse(ast.value);
  },
});
