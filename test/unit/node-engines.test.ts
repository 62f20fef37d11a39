import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";

// npm only warns (EBADENGINE) when an installed package declares Node versions that exclude ours. This fails instead,
// so that no dependency update quietly needs a newer Node than the one we test on and declare (README, "Node versions").

const ROOT = path.resolve(__dirname, "../..");

/** Installed, declaring a newer Node, and never loaded by anything we run: each with the reason. */
const NEVER_LOADED: Record<string, string> = {
  "@prisma/streams-local":
    "installed with Prisma's CLI (a dev dependency) for `prisma dev`, a local Prisma Postgres we never run; every " +
    "version declares Node >= 22 and Prisma pins it from 7.6 on. `prisma generate` runs without it.",
};

interface InstalledPackage {
  name: string;
  version: string;
  nodeRange: string | undefined;
  dir: string;
}

/** Every package under node_modules, nested ones included, read from its package.json. */
function installedPackages(nodeModules: string, found: InstalledPackage[] = []): InstalledPackage[] {
  if (!existsSync(nodeModules)) return found;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    const dirs = entry.startsWith("@")
      ? readdirSync(path.join(nodeModules, entry)).map((name) => path.join(nodeModules, entry, name))
      : [path.join(nodeModules, entry)];
    for (const dir of dirs) {
      const manifest = readManifest(dir);
      if (manifest === undefined) continue;
      const engines = manifest.engines as Record<string, unknown> | undefined;
      const nodeRange = typeof engines?.node === "string" ? engines.node : undefined;
      found.push({ name: String(manifest.name), version: String(manifest.version), nodeRange, dir });
      installedPackages(path.join(dir, "node_modules"), found);
    }
  }
  return found;
}

function readManifest(dir: string): Record<string, unknown> | undefined {
  const file = path.join(dir, "package.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : undefined;
}

const declared = (readManifest(ROOT)!.engines as { node: string }).node;
const oldestDeclared = semver.minVersion(declared)!.version;

it("runs on a Node that package.json declares", () => {
  expect(semver.satisfies(process.version, declared)).toBe(true);
});

it.each([
  ["the running Node", process.version],
  ["the oldest Node we declare", oldestDeclared],
])("every installed package declares that it supports %s (%s)", (_, nodeVersion) => {
  const packages = installedPackages(path.join(ROOT, "node_modules"));
  expect(packages.length).toBeGreaterThan(100);
  const unsupported = packages
    .filter((pkg) => pkg.nodeRange !== undefined && !(pkg.name in NEVER_LOADED))
    .filter((pkg) => !semver.satisfies(nodeVersion, pkg.nodeRange!))
    .map((pkg) => `${pkg.name}@${pkg.version} needs Node ${pkg.nodeRange} (${path.relative(ROOT, pkg.dir)})`);
  expect(unsupported).toEqual([]);
});

it("excuses only packages that are installed and do exclude the oldest Node we declare", () => {
  const packages = installedPackages(path.join(ROOT, "node_modules"));
  for (const name of Object.keys(NEVER_LOADED)) {
    const copies = packages.filter((pkg) => pkg.name === name);
    expect(copies.map((pkg) => semver.satisfies(oldestDeclared, pkg.nodeRange ?? "*"))).toContain(false);
  }
});
