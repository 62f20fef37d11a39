import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Locator } from "playwright-core";

// The console's browser tests drive Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it) through
// playwright-core: Playwright's own browser downloads cannot reach their host here. A missing Chromium fails the
// test with the command that installs it; it is never skipped.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Headless, as root in a sandbox-less container, and without the background traffic (update checks, sync, QUIC
// probes) that a closed network refuses at every start.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: the console's browser tests need it. Install it with ` +
        "`apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH.",
    );
  }
  // Playwright gives each launch a new, empty profile (its own --user-data-dir), removed when the browser closes.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, timeout: 60_000 });
}

const CONSOLE = path.resolve(__dirname, "../../console");

function newestMtimeMs(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce((newest, name) => Math.max(newest, newestMtimeMs(path.join(entry, name))), 0);
}

/**
 * The console as the server serves it, console/dist, built by `npm install`. Built again here only when a source
 * is newer than the build (a change not yet built), so the test never runs an old console.
 */
export function ensureConsoleBuilt(): void {
  const built = path.join(CONSOLE, "dist", "index.html");
  // The console bundles @imagegate/sdk from its source (console/vite.config.ts): a change there is one here too.
  const sources = ["src", "index.html", "vite.config.ts", "package.json", "../sdk/src"].map((name) =>
    path.join(CONSOLE, name),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newestMtimeMs))) return;
  execFileSync("npm", ["run", "build", "--workspace", "console"], {
    cwd: path.resolve(CONSOLE, ".."),
    // jest sets NODE_ENV=test, which would build React's development bundle.
    env: { ...process.env, NODE_ENV: "production" },
    stdio: "ignore",
    timeout: 180_000,
  });
}

// Code run inside the page sees DOM objects, which the tests' TypeScript (lib ES2022, no DOM) does not declare: each
// function below says the little it uses of them.

interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

/** Whether a canvas has any pixel that is not fully transparent: something was drawn on it. */
export async function canvasHasInk(canvas: Locator): Promise<boolean> {
  return canvas.evaluate((element) => {
    const target = element as unknown as CanvasLike;
    const { data } = target.getContext("2d").getImageData(0, 0, target.width, target.height);
    return Array.prototype.some.call(data, (value: number, index: number) => index % 4 === 3 && value !== 0);
  });
}

/** An attribute of every element the locator matches, in document order. */
export async function attributesOf(locator: Locator, name: string): Promise<string[]> {
  return locator.evaluateAll(
    (elements, attribute) =>
      elements.map(
        (element) => (element as unknown as { getAttribute(n: string): string | null }).getAttribute(attribute) ?? "",
      ),
    name,
  );
}
