import { loadSettings, SettingsError } from "../../src/config";
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
