import { generationMaxMs, loadSettings, SettingsError } from "../../src/config";
import { createTestDatabase } from "../support/database";
import { startServerProcess } from "../support/server-process";
import { startTestServer } from "../support/test-server";

// Settings that would pass a first look and then break at run time are refused at start, saying which and why.

describe("durations", () => {
  it.each(["PROVIDER_TIMEOUT_SECONDS", "HOLD_TTL_SECONDS", "HOLD_SWEEP_INTERVAL_SECONDS", "SHUTDOWN_GRACE_SECONDS"])(
    "%s: at most a day; more (past Node's timer limit a timer fires at once) is refused",
    (name) => {
      expect(() => loadSettings({ [name]: "2147484" })).toThrow(SettingsError);
      expect(() => loadSettings({ [name]: "2147484" })).toThrow(name);
      expect(() => loadSettings({ [name]: "86400" })).not.toThrow();
    },
  );

  it("MODEL_LIST_CHECK_HOURS: whole hours, a day by default, at most a week", () => {
    expect(loadSettings({}).modelListCheckIntervalMs).toBe(86_400_000);
    expect(loadSettings({ MODEL_LIST_CHECK_HOURS: "6" }).modelListCheckIntervalMs).toBe(21_600_000);
    expect(() => loadSettings({ MODEL_LIST_CHECK_HOURS: "169" })).toThrow("MODEL_LIST_CHECK_HOURS");
    expect(() => loadSettings({ MODEL_LIST_CHECK_HOURS: "0" })).toThrow("MODEL_LIST_CHECK_HOURS");
  });
});

describe("providers", () => {
  it.each(["OPENAI", "STABILITY"])(
    "%s_BASE_URL without its key is refused, not served by the local provider",
    (name) => {
      const url = "http://127.0.0.1:9/v1";
      expect(() => loadSettings({ [`${name}_BASE_URL`]: url })).toThrow(
        `${name}_BASE_URL: is set without ${name}_API_KEY`,
      );
      const settings = loadSettings({ [`${name}_BASE_URL`]: url, [`${name}_API_KEY`]: "key" });
      expect(settings[name === "OPENAI" ? "openai" : "stability"]).toEqual({ apiKey: "key", baseURL: url });
    },
  );
});

describe("TIME_ZONE", () => {
  it("refuses at start a zone Node knows and PostgreSQL does not, which every report would fail on", async () => {
    expect(() => loadSettings({ TIME_ZONE: "US/Pacific-New" })).not.toThrow();
    await expect(startTestServer({ TIME_ZONE: "US/Pacific-New" })).rejects.toThrow(
      'TIME_ZONE: PostgreSQL does not know the time zone "US/Pacific-New"',
    );
  });

  it("starts with a zone both know", async () => {
    const server = await startTestServer({ TIME_ZONE: "America/Los_Angeles" });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe("BUDGET_ALERT_WEBHOOK_URL", () => {
  const SECRET = { BUDGET_ALERT_WEBHOOK_SECRET: "whsec-settings" };

  it("without BUDGET_ALERT_WEBHOOK_SECRET is refused: unsigned alerts would queue up, never sent", () => {
    const url = "https://hooks.example.com/imagegate?token=tok-3c9e";
    expect(() => loadSettings({ BUDGET_ALERT_WEBHOOK_URL: url })).toThrow(SettingsError);
    expect(() => loadSettings({ BUDGET_ALERT_WEBHOOK_URL: url })).toThrow(
      "BUDGET_ALERT_WEBHOOK_URL: is set without BUDGET_ALERT_WEBHOOK_SECRET",
    );
    expect(() => loadSettings({ BUDGET_ALERT_WEBHOOK_URL: url })).not.toThrow("tok-3c9e");
    expect(loadSettings({ BUDGET_ALERT_WEBHOOK_URL: url, ...SECRET }).budgetAlertWebhook).toEqual({
      url,
      secret: "whsec-settings",
    });
  });

  it.each(["ftp://hooks.example.com/alerts", "file:///tmp/alerts", "mailto:finance@example.com", "ws://h.example/a"])(
    "%s: only http(s) is accepted",
    (url) => {
      expect(() => loadSettings({ BUDGET_ALERT_WEBHOOK_URL: url, ...SECRET })).toThrow(
        "BUDGET_ALERT_WEBHOOK_URL: must be an http(s) URL",
      );
    },
  );

  it("http and https are accepted", () => {
    for (const url of ["http://127.0.0.1:9/hook", "https://hooks.example.com/hook"]) {
      expect(loadSettings({ BUDGET_ALERT_WEBHOOK_URL: url, ...SECRET }).budgetAlertWebhook?.url).toBe(url);
    }
  });

  it("stops the server at start, saying which setting and why", async () => {
    const started = startServerProcess({ BUDGET_ALERT_WEBHOOK_URL: "ftp://hooks.example.com/alerts", ...SECRET });
    await expect(started).rejects.toThrow(/exited with 1: Invalid settings:\s+BUDGET_ALERT_WEBHOOK_URL: must be/);
  });
});

describe("HOLD_TTL_SECONDS", () => {
  it("defaults to the longest a generation may take: attempts x timeout + retries x 60 s + 30 s + 60 s", () => {
    // 3 x 120 s + 2 x 60 s (Retry-After) + 30 s (image download) + 60 s (margin)
    expect(loadSettings({}).holdTtlMs).toBe(570_000);
    expect(generationMaxMs({ timeoutMs: 120_000, maxRetries: 2 })).toBe(570_000);
    expect(loadSettings({ PROVIDER_TIMEOUT_SECONDS: "10", PROVIDER_MAX_RETRIES: "0" }).holdTtlMs).toBe(100_000);
    expect(loadSettings({ PROVIDER_TIMEOUT_SECONDS: "30", PROVIDER_MAX_RETRIES: "5" }).holdTtlMs).toBe(570_000);
    expect(loadSettings({ HOLD_TTL_SECONDS: "900" }).holdTtlMs).toBe(900_000);
  });

  it("set shorter than that is allowed, with a warning naming the setting and the figure", () => {
    expect(loadSettings({ HOLD_TTL_SECONDS: "570" }).warnings).toEqual([]);
    const [warning, ...others] = loadSettings({ HOLD_TTL_SECONDS: "569" }).warnings;
    expect(others).toEqual([]);
    expect(warning?.setting).toBe("HOLD_TTL_SECONDS");
    expect(warning?.message).toContain("HOLD_TTL_SECONDS=569 is shorter than a generation may take");
    expect(warning?.message).toContain("(570 s)");
    const shortCalls = { PROVIDER_TIMEOUT_SECONDS: "10", PROVIDER_MAX_RETRIES: "0" };
    expect(loadSettings({ ...shortCalls, HOLD_TTL_SECONDS: "100" }).warnings).toEqual([]);
  });

  it("logs that warning when the server starts", async () => {
    const database = await createTestDatabase();
    try {
      const server = await startServerProcess({ DATABASE_URL: database.databaseUrl, HOLD_TTL_SECONDS: "60" });
      await server.stop();
      const warning = server.logs.find((line) => line.setting === "HOLD_TTL_SECONDS");
      expect(warning).toMatchObject({ level: 40, msg: expect.stringContaining("HOLD_TTL_SECONDS=60 is shorter") });
    } finally {
      await database.drop();
    }
  }, 60_000);
});
