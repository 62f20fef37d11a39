import {
  ENUM_VALUES_NOTE,
  nextMigrationName,
  ONLY_ENUM_VALUES_NOTE,
  splitNewEnumValues,
  splitSqlStatements,
} from "../../src/db/migration-files";

// What the schema engine's diff prints when enum values are added along with a column (Prisma 7.10).
const MULTI_VALUE_WARNING = `-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


`;
const QUALITY_VALUES = `${MULTI_VALUE_WARNING}ALTER TYPE "ImageQuality" ADD VALUE 'ULTRA';
ALTER TYPE "ImageQuality" ADD VALUE 'EXTREME';`;
const ROLE_VALUE = `-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'AUDITOR';`;
const ADD_COLUMNS = `-- AlterTable
ALTER TABLE "users" ADD COLUMN     "fallbackRole" "Role" NOT NULL DEFAULT 'AUDITOR',
ADD COLUMN     "nickname" TEXT;`;
const CREATE_TABLE = `-- CreateTable
CREATE TABLE "notes" (
    "id" INTEGER NOT NULL,
    "body" TEXT NOT NULL DEFAULT 'a; b',

    CONSTRAINT "notes_pkey" PRIMARY KEY ("id")
);`;

describe("splitNewEnumValues", () => {
  it("puts the ADD VALUE statements, with their comments, in a first script under a note, and the rest after", () => {
    const script = `${QUALITY_VALUES}\n\n${ROLE_VALUE}\n\n${ADD_COLUMNS}\n`;

    expect(splitNewEnumValues(script)).toEqual({
      split: true,
      enumValues: `${ENUM_VALUES_NOTE}\n${QUALITY_VALUES}\n\n${ROLE_VALUE}\n`,
      rest: `${ADD_COLUMNS}\n`,
    });
  });

  it("keeps the other statements in their order, wherever the ADD VALUE statements were among them", () => {
    const script = `${CREATE_TABLE}\n\n${ROLE_VALUE}\n\n${ADD_COLUMNS}\n\n${QUALITY_VALUES}\n`;

    expect(splitNewEnumValues(script)).toEqual({
      split: true,
      enumValues: `${ENUM_VALUES_NOTE}\n${ROLE_VALUE}\n\n${QUALITY_VALUES}\n`,
      rest: `${CREATE_TABLE}\n\n${ADD_COLUMNS}\n`,
    });
  });

  it("leaves a script that only adds enum values whole, under a note that SQL using them goes later", () => {
    const script = `${QUALITY_VALUES}\n\n${ROLE_VALUE}\n`;

    expect(splitNewEnumValues(script)).toEqual({
      split: false,
      script: `${ONLY_ENUM_VALUES_NOTE}\n${script}`,
      onlyEnumValues: true,
    });
    expect(ONLY_ENUM_VALUES_NOTE).toMatch(/later migration/);
    expect(ENUM_VALUES_NOTE).toMatch(/next migration/);
  });

  it("counts a trailing comment as no statement of its own", () => {
    const script = `${ROLE_VALUE}\n-- nothing else\n`;

    expect(splitNewEnumValues(script)).toEqual({
      split: false,
      script: `${ONLY_ENUM_VALUES_NOTE}\n${script}`,
      onlyEnumValues: true,
    });
  });

  it("returns a script without ADD VALUE unchanged, byte for byte", () => {
    const script = `${CREATE_TABLE}\n\n${ADD_COLUMNS}\n`;

    expect(splitNewEnumValues(script)).toEqual({ split: false, script, onlyEnumValues: false });
  });

  it("recognises schema-qualified, quoted and unquoted, any-case enum names and IF NOT EXISTS / BEFORE", () => {
    const statements = [
      `ALTER TYPE "public"."Role" ADD VALUE 'A';`,
      `alter type public.role add value if not exists 'B';`,
      `ALTER TYPE "My ""odd"" type"\n  ADD VALUE 'C' BEFORE 'A';`,
    ];
    const script = `${statements.join("\n")}\nSELECT 1;\n`;

    expect(splitNewEnumValues(script)).toEqual({
      split: true,
      enumValues: `${ENUM_VALUES_NOTE}\n${statements.join("\n")}\n`,
      rest: "SELECT 1;\n",
    });
  });

  it("leaves alone what only looks like an enum value being added", () => {
    const script = [
      `ALTER TYPE "Role" RENAME VALUE 'A' TO 'B';`,
      `ALTER TYPE "address" ADD ATTRIBUTE "zip" TEXT;`,
      `-- ALTER TYPE "Role" ADD VALUE 'commented out';`,
      `COMMENT ON TYPE "Role" IS 'x; ALTER TYPE "Role" ADD VALUE ''quoted''';`,
      `CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT 1; ALTER TYPE "Role" ADD VALUE 'body'; $$;`,
      `/* a; ALTER TYPE "Role" ADD VALUE 'commented'; */ SELECT 2;`,
      "",
    ].join("\n");

    expect(splitNewEnumValues(script)).toEqual({ split: false, script, onlyEnumValues: false });
  });
});

describe("splitSqlStatements", () => {
  it("cuts after each statement's semicolon, not at semicolons in strings, identifiers, comments or bodies", () => {
    const pieces = [
      "-- a; comment\nSELECT 'a;b', E'it\\'s;', \"x;y\" FROM t;",
      "\n/* block; /* nested; */ still; */ SELECT 1;",
      "\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;",
      "\nDO $$ BEGIN PERFORM 1; END $$;",
      "\nSELECT a$b FROM t;",
      "\n-- trailing\n",
    ];

    expect(splitSqlStatements(pieces.join(""))).toEqual(pieces);
  });
});

describe("nextMigrationName", () => {
  const now = new Date("2026-12-03T10:00:00Z");

  it("names a migration after the current time, or one second after the last existing one", () => {
    expect(nextMigrationName(["20261121120000_x"], "Add team tier", now)).toBe("20261203100000_add_team_tier");
    expect(nextMigrationName(["20261203100000_a"], "b", now)).toBe("20261203100001_b");
    expect(nextMigrationName(["20261203235959_a", "20261121120000_b"], "c", now)).toBe("20261204000000_c");
  });

  it("appends a suffix after the slug", () => {
    expect(nextMigrationName([], "Add team tier", now, "_enum_values")).toBe(
      "20261203100000_add_team_tier_enum_values",
    );
  });
});
