import { describe, expect, it } from "vitest";
import { dayKey, formatBytes, formatDateTime, resolveTimeZone } from "./format";

describe("format", () => {
  it("defaults to Mexico City for Spanish", () => {
    expect(resolveTimeZone("", "es", "es-MX")).toBe("America/Mexico_City");
    expect(resolveTimeZone("Europe/Madrid", "es", "es-MX")).toBe("Europe/Madrid");
  });
  it("puts a time on its local day", () => {
    // 02:30 UTC on 2 May is still 1 May in Mexico City (UTC-6).
    expect(dayKey("2024-05-02T02:30:00Z", "America/Mexico_City")).toBe("2024-05-01");
    expect(dayKey("2024-05-02T02:30:00Z", "UTC")).toBe("2024-05-02");
  });
  it("formats for the language", () => {
    expect(formatBytes(1536, "en")).toBe("1.5 KB");
    expect(formatBytes(1536, "es")).toBe("1.5 KB");
    expect(formatDateTime("2024-05-02T02:30:00Z", "es", "America/Mexico_City")).toMatch(/1 may 2024/);
    expect(formatDateTime(null, "en", "UTC")).toBe("");
  });
});
