// After `npm install` / `npm ci`: generate the Prisma client, compile dist/ and build the web console into
// console/dist (`npm run build`), so that `npm start` only starts; then build the SDK (sdk/dist). An install without
// dev dependencies (`npm ci --omit=dev`) cannot build, and builds
// nothing: it runs the dist/ built before, where the dev dependencies were installed.
const { execFileSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

function installed(name) {
  try {
    require.resolve(`${name}/package.json`, { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether this install leaves the dev dependencies out, by npm's rule: --omit=dev, or NODE_ENV=production without
 * --include=dev. Looking for the build's tools would not tell: Prisma's CLI and TypeScript are installed even then,
 * as optional peers of @prisma/client, but not the type packages the build needs.
 */
function omitsDev() {
  const listed = (name) => (process.env[name] ?? "").split(/[\s,]+/).includes("dev");
  if (listed("npm_config_omit")) return true;
  return process.env.NODE_ENV === "production" && !listed("npm_config_include");
}

if (omitsDev() || !["prisma", "typescript"].every(installed)) {
  const dist = existsSync(path.join(root, "dist", "main.js"))
    ? "`npm start` runs the dist/ built before"
    : "dist/ is missing: build it where the dev dependencies are installed (`npm ci`), then copy it here";
  process.stdout.write(`imagegate: installed without dev dependencies, so nothing is built; ${dist}\n`);
} else {
  // npm_execpath is the npm that runs this script (npm-cli.js), so this works without a shell and on any OS.
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm, "run", "build"]] : ["npm", ["run", "build"]];
  execFileSync(command, args, { cwd: root, stdio: "inherit" });
  // The SDK workspace (sdk/) for its users and its tests, which import sdk/dist; the console bundles sdk/src itself.
  execFileSync(process.execPath, [path.join(root, "sdk", "build.cjs")], { cwd: root, stdio: "inherit" });
}
