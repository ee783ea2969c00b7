import { describe, expect, it } from "vitest";
import { caseFileName, dayKey, formatBytes, formatDateTime, fromZonedInput, resolveTimeZone, shown, toZonedInput } from "./format";

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

describe("zoned inputs", () => {
  it("round-trips wall-clock times in a zone", () => {
    expect(toZonedInput("2024-05-02T02:30:00Z", "America/Mexico_City")).toBe("2024-05-01T20:30");
    expect(fromZonedInput("2024-05-01T20:30", "America/Mexico_City")).toBe("2024-05-02T02:30:00Z");
    expect(fromZonedInput("2024-05-01", "UTC")).toBe("2024-05-01T00:00:00Z");
  });
  it("handles daylight saving and bad input", () => {
    // New York is UTC-4 in July and UTC-5 in January.
    expect(fromZonedInput("2024-07-01T12:00", "America/New_York")).toBe("2024-07-01T16:00:00Z");
    expect(fromZonedInput("2024-01-01T12:00", "America/New_York")).toBe("2024-01-01T17:00:00Z");
    expect(fromZonedInput("01/05/2024", "UTC")).toBeNull();
    expect(toZonedInput(null, "UTC")).toBe("");
  });
});

describe("case file names", () => {
  it("keeps letters and digits, without accents", () => {
    const day = new Date("2026-11-28T12:00:00Z");
    expect(caseFileName("reporte", "Campaña contra Noroña!", "01X", "zip", day)).toBe("reporte-campana-contra-norona-2026-11-28.zip");
    expect(caseFileName("expediente", "¿?", "01X", "pdf", day)).toBe("expediente-01X-2026-11-28.pdf");
  });
});

describe("shown", () => {
  it.each([
    ["plain.png", "plain.png"],
    ["x\u202egnp.exe", "x\\u{202e}gnp.exe"],
    ["a\u001b[2Jb", "a\\u{1b}[2Jb"],
    ["fake\nVALID", "fake\\nVALID"],
    ["c1\u009bx", "c1\\u{9b}x"],
    ["iso\u2066late\u2069", "iso\\u{2066}late\\u{2069}"],
    ["zero\u200bwidth", "zero\\u{200b}width"],
    ["ñandú 🤖 تست", "ñandú 🤖 تست"],
  ])("%j is shown as %j", (input, out) => {
    expect(shown(input)).toBe(out);
  });
  it("treats missing text as empty", () => {
    expect(shown(null)).toBe("");
  });
});
