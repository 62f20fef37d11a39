import { loadSettings } from "../../src/config";
import { saneRequestId } from "../../src/domain/request-id";
import { defaultMaxConnections } from "../../src/http/connection-limits";
import { OperationNames } from "../../src/observability/operation-names";

describe("settings", () => {
  it("METRICS_PORT: metrics off when unset; on HOST unless METRICS_HOST; never PORT itself", () => {
    expect(loadSettings({}).metrics).toBeUndefined();
    expect(loadSettings({ METRICS_PORT: "" }).metrics).toBeUndefined();
    expect(loadSettings({ HOST: "0.0.0.0", METRICS_PORT: "9464" }).metrics).toEqual({ host: "0.0.0.0", port: 9464 });
    expect(loadSettings({ METRICS_PORT: "9464", METRICS_HOST: "10.0.0.5" }).metrics).toEqual({
      host: "10.0.0.5",
      port: 9464,
    });
    expect(() => loadSettings({ PORT: "4000", METRICS_PORT: "4000" })).toThrow("METRICS_PORT: must differ from PORT");
    expect(() => loadSettings({ METRICS_PORT: "65536" })).toThrow("METRICS_PORT");
  });

  it("MAX_CONNECTIONS: a positive whole number, derived when unset", () => {
    expect(loadSettings({}).maxConnections).toBeUndefined();
    expect(loadSettings({ MAX_CONNECTIONS: "2500" }).maxConnections).toBe(2500);
    expect(() => loadSettings({ MAX_CONNECTIONS: "0" })).toThrow("MAX_CONNECTIONS");
    expect(() => loadSettings({ MAX_CONNECTIONS: "1.5" })).toThrow("MAX_CONNECTIONS");
  });
});

describe("the default connection cap", () => {
  const limits = (soft: string) =>
    `Limit                     Soft Limit           Hard Limit           Units     \n` +
    `Max processes             63432                63432                processes \n` +
    `Max open files            ${soft.padEnd(20)} 1048576              files     \n`;

  it("is half the soft limit on open files, at most 10,000", () => {
    expect(defaultMaxConnections(limits("1024"))).toBe(512);
    expect(defaultMaxConnections(limits("20000"))).toBe(10_000);
    expect(defaultMaxConnections(limits("1048576"))).toBe(10_000);
  });

  it("is 10,000 when the limit cannot be read or is unlimited", () => {
    expect(defaultMaxConnections(undefined)).toBe(10_000);
    expect(defaultMaxConnections(limits("unlimited"))).toBe(10_000);
  });
});

describe("request ids", () => {
  it("takes 1 to 128 letters, digits, '.', '_', ':' and '-'", () => {
    expect(saneRequestId("req_0a1B-2.c:3")).toBe("req_0a1B-2.c:3");
    expect(saneRequestId("x".repeat(128))).toBe("x".repeat(128));
    for (const insane of ["", "x".repeat(129), "a b", "a\nb", "a/b", "é", "<script>", 42, undefined, ["a"]]) {
      expect(saneRequestId(insane)).toBeUndefined();
    }
  });
});

describe("operation names as metric labels", () => {
  it("the first 100 names from authenticated, valid requests get their own; then 'other'", () => {
    const names = new OperationNames();
    for (let i = 0; i < 100; i++) expect(names.label(`Op${i}`, true)).toBe(`Op${i}`);
    expect(names.label("Op100", true)).toBe("other");
    expect(names.label("Op7", false)).toBe("Op7");
  });

  it("an unnamed operation is 'anonymous'; a name nobody may add, or too long, is 'other'", () => {
    const names = new OperationNames();
    expect(names.label(undefined, true)).toBe("anonymous");
    expect(names.label("", true)).toBe("anonymous");
    expect(names.label("Probe", false)).toBe("other");
    expect(names.label("Probe", true)).toBe("Probe");
    expect(names.label(`N${"x".repeat(64)}`, true)).toBe("other");
  });
});
