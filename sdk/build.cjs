// Builds the SDK twice from src/: ES modules (dist/esm, for bundlers and `import`) and CommonJS (dist/cjs, for
// `require`), each folder marked with its module type so Node reads its .js files right. Run by the root's
// postinstall (scripts/postinstall.cjs), with the root's TypeScript.
const { execFileSync } = require("node:child_process");
const { mkdirSync, rmSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const tsc = require.resolve("typescript/bin/tsc", { paths: [__dirname] });
rmSync(path.join(__dirname, "dist"), { recursive: true, force: true });
for (const [config, folder, type] of [
  ["tsconfig.json", "esm", "module"],
  ["tsconfig.cjs.json", "cjs", "commonjs"],
]) {
  execFileSync(process.execPath, [tsc, "-p", path.join(__dirname, config)], { stdio: "inherit" });
  mkdirSync(path.join(__dirname, "dist", folder), { recursive: true });
  writeFileSync(path.join(__dirname, "dist", folder, "package.json"), `${JSON.stringify({ type })}\n`);
}
