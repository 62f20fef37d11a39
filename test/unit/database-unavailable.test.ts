import { isDatabaseUnavailable } from "../../src/domain/database-unavailable";
import { DomainError } from "../../src/domain/errors";

// The shapes below are what Prisma 7 with @prisma/adapter-pg and node-postgres actually throw (seen through a TCP
// proxy that the tests cut), plus PostgreSQL's own SQLSTATEs for a server shutting down.

const adapterError = (cause: object) => ({ name: "DriverAdapterError", cause });
const prismaError = (code: string, cause: object) =>
  Object.assign(new Error("Invalid `prisma.$queryRaw()` invocation"), {
    name: "PrismaClientKnownRequestError",
    code,
    meta: { driverAdapterError: adapterError(cause) },
  });

describe("isDatabaseUnavailable", () => {
  it.each([
    ["P1001 (can't reach the server)", prismaError("P1001", { kind: "DatabaseNotReachable" })],
    ["a raw query's P2010 around DatabaseNotReachable", prismaError("P2010", { kind: "DatabaseNotReachable" })],
    ["a raw query's P2010 around ConnectionClosed", prismaError("P2010", { kind: "ConnectionClosed" })],
    ["a raw query's P2010 around an admin shutdown (57P01)", prismaError("P2010", { kind: "postgres", code: "57P01" })],
    [
      "P1017 (server closed the connection)",
      Object.assign(new Error("Server has closed the connection."), { code: "P1017" }),
    ],
    [
      "a raw query's P2010 around a database closed to connections (55000)",
      prismaError("P2010", {
        kind: "postgres",
        code: "55000",
        message: 'database "imagegate" is not currently accepting connections',
      }),
    ],
    ["P2024 (pool timeout)", Object.assign(new Error("Timed out fetching a new connection"), { code: "P2024" })],
    ["node-postgres mid-query", new Error("Connection terminated unexpectedly")],
    ["node-postgres mid-transaction", new Error("Client has encountered a connection error and is not queryable")],
    ["node-postgres connect timeout", new Error("timeout exceeded when trying to connect")],
    ["a socket error", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })],
    [
      "an AggregateError of socket errors",
      new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })]),
    ],
    ["a wrapped cause", new Error("outer", { cause: Object.assign(new Error("inner"), { code: "ECONNRESET" }) })],
  ])("yes: %s", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ["a unique violation", prismaError("P2002", { kind: "UniqueConstraintViolation" })],
    ["a syntax error", prismaError("P2010", { kind: "postgres", code: "42601" })],
    ["a check violation", prismaError("P2010", { kind: "postgres", code: "23514" })],
    ["a domain error", new DomainError("INSUFFICIENT_CREDITS", "Connection terminated? no: credits")],
    ["a plain bug", new TypeError("Cannot read properties of undefined")],
    ["not an error", "ECONNREFUSED"],
    ["null", null],
  ])("no: %s", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
