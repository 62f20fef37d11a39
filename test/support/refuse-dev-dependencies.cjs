// Preloaded into the built server (`node -r`), and through its execArgv into the migration child it spawns: the
// packages that `npm ci --omit=dev` leaves out (package-lock.json marks them "dev": true) cannot be found, exactly as
// after such an install, so a test of the server fails if it needs one. A package that only probes for one (debug
// looks for supports-color) goes on as it would there. Each refusal is noted on stderr. CommonJS through
// Module._resolveFilename, ES modules through a resolve hook (module.register).
const Module = require("node:module");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const root = path.resolve(__dirname, "../..");
const lock = require(path.join(root, "package-lock.json"));
const devDirs = Object.entries(lock.packages)
  .filter(([dir, entry]) => dir !== "" && entry.dev === true)
  .map(([dir]) => path.join(root, dir) + path.sep);
const NOTE = "not found, as without dev dependencies";

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const file = resolveFilename.call(this, request, ...rest);
  if (devDirs.some((dir) => file.startsWith(dir))) {
    process.stderr.write(`${NOTE}: ${request} (${path.relative(root, file)})\n`);
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: "MODULE_NOT_FOUND" });
  }
  return file;
};

const hooks = `
import { fileURLToPath } from "node:url";
let devDirs = [];
export function initialize(data) {
  devDirs = data.devDirs;
}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.startsWith("file:") && devDirs.some((dir) => fileURLToPath(result.url).startsWith(dir))) {
    process.stderr.write(${JSON.stringify(NOTE)} + ": " + specifier + "\\n");
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: "ERR_MODULE_NOT_FOUND" });
  }
  return result;
}
`;
Module.register(`data:text/javascript,${encodeURIComponent(hooks)}`, pathToFileURL(root + path.sep), {
  data: { devDirs },
});
