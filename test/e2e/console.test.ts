import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import {
  PricesDocument as SdkPricesDocument,
  TeamDocument as SdkTeamDocument,
  TeamsDocument as SdkTeamsDocument,
} from "@imagegate/sdk";
import type { Browser, Page } from "playwright-core";
import {
  AllowedModelsDocument,
  AuditLogDocument,
  CreateTeamDocument,
  GenerateImageDocument,
  MeDocument,
  SetBudgetDocument,
  SetTeamBudgetDocument,
  SetUserTeamDocument,
  TeamDocument,
  SpendReportDocument,
  UserBudgetsDocument,
  UserByIdDocument,
  UsersDocument,
} from "../generated/graphql";
import { attributesOf, canvasHasInk, ensureConsoleBuilt, launchChromium } from "../support/browser";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";
import { micros, parseCsv } from "../support/spend-report-checks";

// The web console in headless Chromium against the real server and PostgreSQL: the pages finance and admins use,
// checked against what the API itself answers. One browser for the file; a new context (an empty sessionStorage)
// per person. CONSOLE_SCREENSHOTS=1 (npm run console:screenshots) also saves the main pages to console/screenshots.

jest.setTimeout(120_000);

const DAY_MS = 86_400_000;
const SCREENSHOTS =
  process.env.CONSOLE_SCREENSHOTS === "1" ? path.resolve(__dirname, "../../console/screenshots") : null;

let env: TestEnvironment;
let browser: Browser;
let admin: { userId: string; apiKey: string };
let finance: { userId: string; apiKey: string };
let member: { userId: string; apiKey: string };
let teamId: string;
/** Every URL any page asked for: the console must reach nothing but its server. */
const requested: string[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  [env, browser] = await Promise.all([startEnvironment(), launchChromium()]);
  const { server } = env;
  admin = await server.createUser("ADMIN");
  finance = await server.createUser("FINANCE");
  member = await server.createUser("MEMBER", "50");
  const other = await server.createUser("MEMBER", "50");
  const team = dataOf(await server.graphql(CreateTeamDocument, { name: "Design" }, admin.apiKey)).createTeam;
  teamId = team.id;
  dataOf(await server.graphql(SetUserTeamDocument, { userId: member.userId, teamId: team.id }, admin.apiKey));
  // The team's spend below (0.092) crosses 80 % of this: one alert.
  const teamBudget = { teamId: team.id, period: "TOTAL", limit: "0.10" } as const;
  dataOf(await server.graphql(SetTeamBudgetDocument, teamBudget, admin.apiKey));
  // Spend on three days of the last month, by two users, two models and two providers (the fakes).
  // Some of it tagged (one generation with two tags), for the breakdown by tag.
  const generate = async (
    key: string,
    daysAgo: number,
    model: "DALL_E_3" | "STABLE_DIFFUSION_XL",
    n = 1,
    tags?: string[],
  ) => {
    server.setClock(new Date(Date.now() - daysAgo * DAY_MS));
    dataOf(await server.graphql(GenerateImageDocument, { input: { prompt: "a lighthouse", model, n, tags } }, key));
  };
  await generate(member.apiKey, 6, "DALL_E_3", 1, ["launch"]);
  await generate(member.apiKey, 6, "STABLE_DIFFUSION_XL", 2, ["launch", "brand"]);
  await generate(other.apiKey, 3, "DALL_E_3");
  await generate(member.apiKey, 0, "DALL_E_3");
  await generate(other.apiKey, 0, "STABLE_DIFFUSION_XL");
  server.setClock(null);
  // A user's own budget, for the finance budgets page.
  const memberBudget = { userId: member.userId, period: "MONTHLY", limit: "20.00" } as const;
  dataOf(await server.graphql(SetBudgetDocument, memberBudget, admin.apiKey));
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
  expect(requested.filter((url) => !url.startsWith(env.server.url) && !/^(blob|data):/.test(url))).toEqual([]);
});

async function signIn(apiKey: string): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.on("request", (request) => requested.push(request.url()));
  await page.goto(`${env.server.url}/console`);
  await page.getByLabel("API key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-as").waitFor();
  return page;
}

/** What the page keeps in the tab's sessionStorage and in localStorage: the key belongs in the first alone. */
async function storedKeys(page: Page): Promise<{ session: string[]; local: string[] }> {
  return page.evaluate(() => {
    const { sessionStorage, localStorage } = globalThis as unknown as Record<string, Record<string, string>>;
    return { session: Object.keys(sessionStorage!), local: Object.keys(localStorage!) };
  });
}

/** Saved only with CONSOLE_SCREENSHOTS=1; a key's secret is masked. */
async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS === null) return;
  await page.screenshot({
    path: path.join(SCREENSHOTS, `${name}.png`),
    fullPage: true,
    mask: [page.getByTestId("key-secret")],
  });
}

/** The range the spend page shows, as the API's [from, to). */
async function rangeOf(page: Page): Promise<{ from: string; to: string }> {
  const from = await page.locator('input[name="from"]').inputValue();
  const to = await page.locator('input[name="to"]').inputValue();
  return { from: `${from}T00:00:00.000Z`, to: new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString() };
}

test("the bundle reaches the API through @imagegate/sdk without graphql-js (the SDK prints documents itself)", async () => {
  const assets = path.resolve(__dirname, "../../console/dist/assets");
  const scripts = (await readdir(assets)).filter((name) => name.endsWith(".js"));
  const code = (await Promise.all(scripts.map((name) => readFile(path.join(assets, name), "utf8")))).join("\n");
  // The SDK's documents (ASTs) and its errors' class are there; graphql-js's printer, parser and errors are not.
  expect(code).toMatch(/value:\s*["'`]SpendReport["'`]/);
  expect(code).toContain("ImagegateError");
  expect(code).not.toMatch(/Invalid AST Node|Syntax Error|GraphQLError/);
});

describe("finance", () => {
  let page: Page;
  beforeAll(async () => {
    page = await signIn(finance.apiKey);
  });
  afterAll(() => page.context().close());

  test("lands on spend and sees a chart of the day series whose totals equal spendReport's", async () => {
    await page.waitForURL(/\/console\/finance\/spend$/);
    const totals = page.getByTestId("day-series-total");
    await totals.waitFor();
    const range = await rangeOf(page);
    const report = dataOf(
      await env.server.graphql(SpendReportDocument, { ...range, groupBy: ["DAY"] }, finance.apiKey),
    );
    expect(report.spendReport.rows.length).toBeGreaterThanOrEqual(2);
    expect(micros(report.spendReport.total)).toBeGreaterThan(0n);
    expect(await totals.getAttribute("data-total")).toBe(report.spendReport.total);
    expect(Number(await totals.getAttribute("data-requests"))).toBe(report.spendReport.requests);
    // The chart's days, as its table lists them, add up to the same total, and their non-zero days are the report's.
    const cells = await attributesOf(page.getByTestId("day-series-table").locator("td[data-money]"), "data-money");
    expect(cells.reduce((sum, cell) => sum + micros(cell), 0n)).toBe(micros(report.spendReport.total));
    expect(cells.filter((cell) => micros(cell) !== 0n).sort()).toEqual(
      report.spendReport.rows.map((row) => row.cost).sort(),
    );
    // Chart.js drew on its canvas: some pixel is not blank.
    expect(await canvasHasInk(page.locator('[data-chart="spend-per-day"] canvas'))).toBe(true);

    // By model, as the API groups it.
    await page.getByLabel("Spend by", { exact: true }).selectOption("MODEL");
    const byModel = dataOf(
      await env.server.graphql(SpendReportDocument, { ...range, groupBy: ["MODEL"] }, finance.apiKey),
    );
    const table = page.getByTestId("breakdown-table");
    await table.getByText("DALL_E_3").waitFor();
    expect(await table.locator("tbody tr").count()).toBe(byModel.spendReport.rows.length);
    await screenshot(page, "finance-spend");
  });

  test("downloads the per-day CSV, whose rows are spendReport's", async () => {
    const range = await rangeOf(page);
    const report = dataOf(
      await env.server.graphql(SpendReportDocument, { ...range, groupBy: ["DAY"] }, finance.apiKey),
    );
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV (per day)" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^spend-day-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
    const rows = parseCsv(await readFile((await download.path())!, "utf8"));
    expect(rows[0]).toEqual(["day", "requests", "images", "cost_usd"]);
    const body = rows.slice(1).filter((row) => row.length > 1);
    expect(
      body.map(([day, requests, images, cost]) => ({ day, requests: Number(requests), images: Number(images), cost })),
    ).toEqual(
      report.spendReport.rows.map((row) => ({
        day: row.day,
        requests: row.requests,
        images: row.images,
        cost: row.cost,
      })),
    );
  });

  test("breaks spend down by tag and by API key as spendReport does, and downloads each as CSV", async () => {
    const range = await rangeOf(page);
    type Row = {
      tag?: string | null;
      apiKeyId?: string | null;
      apiKey?: { id: string; name: string; prefix: string } | null;
    };
    const breakdowns = [
      { dimension: "TAG", name: (row: Row) => row.tag ?? "(untagged)", cells: (row: Row) => [row.tag ?? ""] },
      {
        dimension: "API_KEY",
        // The key's name and prefix, not its id (which is the cell's title).
        name: (row: Row) => (row.apiKey ? `${row.apiKey.name} (${row.apiKey.prefix}…)` : "(no key recorded)"),
        cells: (row: Row) => [row.apiKeyId ?? "", row.apiKey?.name ?? ""],
      },
    ] as const;
    for (const { dimension, name, cells } of breakdowns) {
      const report = dataOf(
        await env.server.graphql(SpendReportDocument, { ...range, groupBy: [dimension] }, finance.apiKey),
      ).spendReport;
      await page.getByLabel("Spend by", { exact: true }).selectOption(dimension);
      // The table for this dimension's own answer (the previous dimension's rows are never shown under it).
      const table = page.locator(`[data-testid="breakdown-table"][data-dimension="${dimension}"]`);
      await table.waitFor();
      const rows = table.locator("tbody tr");
      expect(await attributesOf(rows, "data-name")).toEqual(report.rows.map(name));
      if (dimension === "API_KEY") {
        // The fixtures' keys, made by the CLI, are named: every keyed row shows that name, never the bare id.
        const keyed = report.rows.filter((row) => row.apiKeyId !== null);
        expect(keyed.length).toBeGreaterThan(0);
        expect(keyed.every((row) => row.apiKey?.id === row.apiKeyId && row.apiKey?.name === "created by the cli")).toBe(
          true,
        );
        expect(await attributesOf(rows.locator("td:first-child"), "title")).toEqual(
          report.rows.map((row) => row.apiKeyId ?? ""),
        );
        const texts = await rows.locator("td:first-child").allTextContents();
        expect(texts.filter((text) => text.startsWith("created by the cli ("))).toHaveLength(keyed.length);
      }
      expect(await attributesOf(table.locator("td[data-money]"), "data-money")).toEqual(
        report.rows.map((row) => row.cost),
      );

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: /^Download CSV \(by / }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^spend-${dimension.toLowerCase()}-`));
      const csv = parseCsv(await readFile((await download.path())!, "utf8"));
      expect(csv[0]).toEqual([
        ...(dimension === "TAG" ? ["tag"] : ["api_key_id", "api_key_name"]),
        "requests",
        "images",
        "cost_usd",
      ]);
      expect(
        csv
          .slice(1)
          .filter((line) => line.length > 1)
          .sort(),
      ).toEqual(report.rows.map((row) => [...cells(row), String(row.requests), String(row.images), row.cost]).sort());
    }
    // The fixtures' tags and the untagged spend are all there.
    const byTag = dataOf(await env.server.graphql(SpendReportDocument, { ...range, groupBy: ["TAG"] }, finance.apiKey))
      .spendReport.rows;
    expect(byTag.map((row) => row.tag).sort()).toEqual(["brand", "launch", null].sort());
    await screenshot(page, "finance-spend-by-tag");
  });

  test("sees the team's budget with its use, the alert it raised, and is refused the admin pages", async () => {
    await page.getByRole("link", { name: "Budgets" }).click();
    const budgets = page.getByTestId("budgets-table").first();
    await budgets.getByText("Team Design").waitFor();
    const team = dataOf(await env.server.graphql(TeamDocument, { id: teamId }, finance.apiKey)).team!;
    expect(await attributesOf(budgets.locator("td[data-money]"), "data-money")).toEqual([team.budgets[0]!.remaining]);

    await page.getByRole("link", { name: "Budget alerts" }).click();
    const alerts = page.getByTestId("alerts-table");
    await alerts.getByText("Team Design").waitFor();
    expect(await alerts.locator("tbody tr").count()).toBe(1);
    expect(await alerts.locator("tbody tr td").nth(3).textContent()).toBe("80%");

    await page.goto(`${env.server.url}/console/admin/users`);
    await expect(page.locator("[data-refused]").textContent()).resolves.toContain("This page is for ADMIN");
  });
});

describe("finance, users' budgets", () => {
  test("finds a user's own budget by search, with its use as the API has it", async () => {
    const page = await signIn(finance.apiKey);
    const email = dataOf(await env.server.graphql(MeDocument, {}, member.apiKey)).me.email;
    await page.goto(`${env.server.url}/console/finance/budgets`);
    const section = page.getByTestId("user-budgets");
    await section.getByLabel("Search users").fill(email);
    const row = section.getByTestId("budgets-table").locator("tbody tr", { hasText: email });
    await row.waitFor();
    // The search's own answer: this user's rows alone.
    await section.locator("tbody tr", { hasNotText: email }).first().waitFor({ state: "detached" });
    const budgets = dataOf(await env.server.graphql(UserBudgetsDocument, { id: member.userId }, finance.apiKey)).user!
      .budgets;
    expect(budgets).toEqual([expect.objectContaining({ period: "MONTHLY", limit: "20.000000" })]);
    expect(await attributesOf(section.locator("td[data-money]"), "data-money")).toEqual([budgets[0]!.remaining]);
    await screenshot(page, "finance-budgets");
    await page.context().close();
  });
});

describe("admin", () => {
  let page: Page;
  beforeAll(async () => {
    page = await signIn(admin.apiKey);
  });
  afterAll(() => page.context().close());

  test("creates a user and a key (its secret shown once, and working), sets its role, deactivates it, sets a budget", async () => {
    await page.waitForURL(/\/console\/admin\/users$/);
    const create = page.locator('form[data-form="create-user"]');
    await create.getByLabel("Email").fill("new.hire@example.com");
    await create.getByLabel("Role").selectOption("FINANCE");
    await create.getByRole("button", { name: "Create user" }).click();
    await page.waitForURL(/\/console\/admin\/users\/[0-9a-f-]{36}$/);
    const userId = page.url().split("/").pop()!;
    const user = dataOf(await env.server.graphql(UserByIdDocument, { id: userId }, admin.apiKey)).user;
    expect(user).toMatchObject({ email: "new.hire@example.com", role: "FINANCE" });

    const key = page.locator('form[data-form="create-key"]');
    await key.getByLabel("Key name").fill("laptop");
    await key.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("key-secret").textContent())!;
    const me = dataOf(await env.server.graphql(MeDocument, {}, secret)).me;
    expect(me.id).toBe(userId);

    // The role select, then the active toggle: an inactive user's key is refused.
    await page.locator('form[data-form="set-role"]').getByLabel("Role").selectOption("MEMBER");
    await page.locator('form[data-form="set-role"]').getByRole("button", { name: "Set role" }).click();
    await page.getByTestId("role").getByText("MEMBER").waitFor();
    await page.getByRole("button", { name: "Deactivate", exact: true }).click();
    await page.getByRole("button", { name: "Activate", exact: true }).waitFor();
    const listed = dataOf(await env.server.graphql(UsersDocument, { search: "new.hire@" }, admin.apiKey)).users.edges;
    expect(listed.map((edge) => edge.node)).toEqual([
      expect.objectContaining({ id: userId, role: "MEMBER", active: false }),
    ]);
    expect(errorOf(await env.server.graphql(MeDocument, {}, secret)).code).toBe("UNAUTHENTICATED");
    await page.getByRole("button", { name: "Activate", exact: true }).click();
    await page.getByRole("button", { name: "Deactivate", exact: true }).waitFor();

    // A limit the API refuses: its message lands beside the Limit field.
    const budget = page.locator('form[data-form="set-budget"]');
    await budget.getByLabel("Period").selectOption("MONTHLY");
    await budget.getByLabel("Limit (USD)").fill("12.3456789");
    await budget.getByRole("button", { name: "Set budget" }).click();
    const limitField = budget.locator(".field", { has: page.getByLabel("Limit (USD)") });
    await expect(limitField.locator("[data-field-error]").textContent()).resolves.toMatch(/\S/);
    expect(await budget.locator("p.error").count()).toBe(0);

    await budget.getByLabel("Limit (USD)").fill("25.00");
    await budget.getByRole("button", { name: "Set budget" }).click();
    await page.getByTestId("budgets-table").getByText("$25.00").first().waitFor();
    expect(await limitField.locator("[data-field-error]").count()).toBe(0);
    const budgets = dataOf(await env.server.graphql(UserBudgetsDocument, { id: userId }, admin.apiKey)).user!.budgets;
    expect(budgets).toEqual([expect.objectContaining({ period: "MONTHLY", limit: "25.000000" })]);
    await screenshot(page, "admin-user");

    await page.getByRole("link", { name: "Models" }).click();
    await page.getByTestId("models-table").getByText("DALL E 3").waitFor();
    await screenshot(page, "admin-models");
  });

  test("opens every other admin page without an error (each query within the API's operation cost)", async () => {
    await page.getByRole("link", { name: "Teams and budgets" }).click();
    await page.locator('[data-team="Design"]').getByText("$0.10").waitFor();
    await page.getByRole("link", { name: "Prices" }).click();
    await page.getByTestId("prices-table").getByText("DALL E 3").first().waitFor();
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByTestId("audit-table").getByText("new.hire@example.com").first().waitFor();
    await screenshot(page, "admin-audit");
    expect(await page.locator(".error").count()).toBe(0);
  });

  test("filters the audit log by days, with the API's refusal of a backward range beside To", async () => {
    const entries = dataOf(await env.server.graphql(AuditLogDocument, { first: 100 }, admin.apiKey)).auditLog.edges;
    const hire = entries.find(({ node }) => JSON.stringify(node.after).includes("new.hire@example.com"))!.node;
    const hireDay = hire.createdAt.slice(0, 10);
    const filter = page.getByRole("form", { name: "Filter" });
    const table = page.getByTestId("audit-table");
    const dates = async (from: string, to: string) => {
      await filter.getByLabel("From").fill(from);
      await filter.getByLabel("To").fill(to);
      await filter.getByRole("button", { name: "Filter" }).click();
    };

    // A day long before this run: no entry.
    await dates("2001-01-01", "2001-01-01");
    await table.getByText("new.hire@example.com").first().waitFor({ state: "detached" });
    await expect(table.locator("tbody tr").count()).resolves.toBe(0);
    // To before From: the API's message, next to To.
    await dates("2001-01-02", "2001-01-01");
    const to = filter.locator(".field", { has: page.getByLabel("To") });
    await expect(to.locator("[data-field-error]").textContent()).resolves.toContain("after from");
    // The entry's own day, both ends inclusive: it is back.
    await dates(hireDay, hireDay);
    await table.getByText("new.hire@example.com").first().waitFor();
    expect(await to.locator("[data-field-error]").count()).toBe(0);
  });

  test("renames a team (a taken name refused beside the field), limits its models, and deletes it", async () => {
    await page.getByRole("link", { name: "Teams and budgets" }).click();
    const create = page.locator('form[data-form="create-team"]');
    await create.getByLabel("Name").fill("Ops");
    await create.getByRole("button", { name: "Create team" }).click();
    const ops = page.locator('[data-team="Ops"]');
    await ops.waitFor();
    const teams = dataOf(await env.server.graphql(SdkTeamsDocument, {}, admin.apiKey)).teams;
    const id = teams.find((team) => team.name === "Ops")!.id;
    const team = async () => dataOf(await env.server.graphql(SdkTeamDocument, { id }, admin.apiKey)).team!;

    const rename = ops.locator('form[data-form="rename-team"]');
    await rename.getByLabel("Name").fill("Design");
    await rename.getByRole("button", { name: "Rename team" }).click();
    const nameField = rename.locator(".field", { has: page.getByLabel("Name") });
    await expect(nameField.locator("[data-field-error]").textContent()).resolves.toContain("already exists");
    await rename.getByLabel("Name").fill("Operations");
    await rename.getByRole("button", { name: "Rename team" }).click();
    const operations = page.locator('[data-team="Operations"]');
    await operations.waitFor();
    expect((await team()).name).toBe("Operations");

    const allow = operations.locator('form[data-form="allowed-models"]');
    await allow.getByLabel("No restriction").uncheck();
    await allow.getByLabel("DALL E 3", { exact: true }).check();
    await allow.getByRole("button", { name: "Save models" }).click();
    await operations.getByTestId("team-models").getByText("DALL E 3").waitFor();
    expect((await team()).allowedModels).toEqual(["DALL_E_3"]);
    await screenshot(page, "admin-teams");

    // Deleting asks for the tick first (the browser refuses the form without it), then the card goes.
    const remove = operations.locator('form[data-form="delete-team"]');
    await remove.getByLabel(/its budgets are removed/).check();
    await remove.getByRole("button", { name: "Delete team" }).click();
    await operations.waitFor({ state: "detached" });
    expect((await team()).deletedAt).not.toBeNull();
    expect(await page.locator('[data-team="Design"]').count()).toBe(1);
  });

  test("schedules a price, and lists past and scheduled prices only when asked (prices(includeHistory))", async () => {
    await page.getByRole("link", { name: "Prices" }).click();
    const form = page.locator('form[data-form="set-price"]');
    await form.getByLabel("Model").locator('option[value="DALL_E_3"]').waitFor({ state: "attached" });
    await form.getByLabel("Model").selectOption("DALL_E_3");
    await form.getByLabel("Per image (USD)").fill("0.050000");
    await form.getByLabel("From", { exact: true }).fill("2999-01-01T00:00");
    await form.getByRole("button", { name: "Set price" }).click();
    // The row in force shows the scheduled change as its end (the browser's zone may make it the day before).
    const table = page.getByTestId("prices-table");
    await table
      .locator('tr[data-state="in force"]')
      .getByText(/299[89]-/)
      .waitFor();
    const inForce = dataOf(await env.server.graphql(SdkPricesDocument, {}, admin.apiKey)).prices;
    const every = dataOf(await env.server.graphql(SdkPricesDocument, { includeHistory: true }, admin.apiKey)).prices;
    const scheduled = every.filter((price) => Date.parse(price.effectiveFrom) > Date.now());
    expect(scheduled).toEqual([expect.objectContaining({ model: "DALL_E_3", perImage: "0.050000" })]);
    expect(await attributesOf(table.locator("tbody tr"), "data-from")).toEqual(inForce.map((p) => p.effectiveFrom));
    expect(await table.locator('tr[data-state="scheduled"]').count()).toBe(0);

    await page.getByLabel(/Show past and scheduled prices/).check();
    const history = page.locator('[data-testid="prices-table"][data-history="true"][data-current="true"]');
    await history.waitFor();
    expect(await attributesOf(history.locator("tbody tr"), "data-from")).toEqual(every.map((p) => p.effectiveFrom));
    expect(await attributesOf(history.locator('tr[data-state="scheduled"] td[data-money]'), "data-money")).toEqual([
      "0.050000",
    ]);
    // One model's rows (its history among them) make a picture that fits.
    await page.getByLabel("Model filter").selectOption("DALL_E_3");
    await history.locator('tr[data-state="scheduled"]').waitFor();
    expect(await history.locator("tbody tr", { hasNotText: "DALL E 3" }).count()).toBe(0);
    await screenshot(page, "admin-prices");
    await page.getByLabel("Model filter").selectOption("");
    await page.getByLabel(/Show past and scheduled prices/).uncheck();
  });

  test("finds a member by search, limits its models, and gives it a key with an expiry", async () => {
    const email = dataOf(await env.server.graphql(MeDocument, {}, member.apiKey)).me.email;
    await page.getByRole("link", { name: "Users", exact: true }).click();
    const table = page.getByTestId("users-table");
    await table.locator("tbody tr").first().waitFor();
    await screenshot(page, "admin-users");
    await page.getByLabel("Role filter").selectOption("MEMBER");
    await page.getByRole("searchbox", { name: "Search" }).fill(email);
    await table.locator(`tr[data-user="${email}"]`).waitFor();
    // The role filter's page may still be showing: wait for the search's own answer, one row.
    await table.locator("tbody tr").nth(1).waitFor({ state: "detached" });
    await expect(table.locator("tbody tr").count()).resolves.toBe(1);
    await table.getByRole("link", { name: email }).click();
    await page.waitForURL(new RegExp(`/console/admin/users/${member.userId}$`));

    const allow = page.locator('form[data-form="allowed-models"]');
    await allow.getByLabel("No restriction").uncheck();
    await allow.getByLabel("STABLE DIFFUSION XL", { exact: true }).check();
    await allow.getByRole("button", { name: "Save models" }).click();
    await page.getByTestId("allowed-models").getByText("STABLE DIFFUSION XL").waitFor();
    const allowed = dataOf(
      await env.server.graphql(AllowedModelsDocument, { userId: member.userId, teamId }, admin.apiKey),
    );
    expect(allowed.user?.allowedModels).toEqual(["STABLE_DIFFUSION_XL"]);
    expect(allowed.team?.allowedModels).toBeNull();

    // An expiry in the past: the API's message beside the Expires field; then one ahead, listed with the key.
    const key = page.locator('form[data-form="create-key"]');
    await key.getByLabel("Key name").fill("ci");
    await key.getByLabel("Expires (UTC)").fill("2020-01-01T00:00");
    await key.getByRole("button", { name: "Create key" }).click();
    const expiresField = key.locator(".field", { has: page.getByLabel("Expires (UTC)") });
    await expect(expiresField.locator("[data-field-error]").textContent()).resolves.toMatch(/future/);
    await key.getByLabel("Expires (UTC)").fill("2999-01-01T00:00");
    await key.getByRole("button", { name: "Create key" }).click();
    await page.getByTestId("key-secret").waitFor();
    const row = page.getByTestId("keys-table").locator('tr[data-name="ci"]');
    await expect(row.getAttribute("data-expires")).resolves.toBe("2999-01-01T00:00:00.000Z");
    await screenshot(page, "admin-user-access");
  });
});

describe("member", () => {
  test("a wrong key is refused beside the key's field", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(`${env.server.url}/console/admin/users`);
    await page.getByLabel("API key").fill("igk_not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    const field = page.locator(".field", { has: page.getByLabel("API key") });
    await expect(field.locator("[data-field-error]").textContent()).resolves.toBe("This API key is not valid");
    expect(await storedKeys(page)).toEqual({ session: [], local: [] });
    await context.close();
  });

  test("is refused the admin and finance pages, with a message saying why", async () => {
    const page = await signIn(member.apiKey);
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    expect(await storedKeys(page)).toEqual({ session: ["imagegate.apiKey"], local: [] });
    expect(await page.getByRole("navigation").count()).toBe(0);
    for (const where of ["admin/users", "finance/spend"]) {
      await page.goto(`${env.server.url}/console/${where}`);
      const refused = page.locator("[data-refused]");
      await expect(refused.textContent()).resolves.toContain("You are signed in as MEMBER");
    }
    await screenshot(page, "member-refused");
    await page.context().close();
  });

  test("tries a generation from its account page: a model outside its allowlist is refused, MODEL_NOT_ALLOWED", async () => {
    const page = await signIn(member.apiKey);
    const form = page.locator('form[data-form="try-generation"]');
    await form.getByLabel("Model").locator('option[value="DALL_E_3"]').waitFor({ state: "attached" });
    await form.getByLabel("Model").selectOption("DALL_E_3");
    await form.getByLabel("Prompt").fill("a lighthouse");
    await form.getByRole("button", { name: "Generate" }).click();
    const refused = page.getByTestId("generation-error");
    await expect(refused.getAttribute("data-code")).resolves.toBe("MODEL_NOT_ALLOWED");
    await expect(refused.textContent()).resolves.toContain("MODEL_NOT_ALLOWED");
    await screenshot(page, "member-try-generation");

    await page.context().close();
  });
});
