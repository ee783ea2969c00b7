import { describe, expect, it } from "vitest";
import es from "./locales/es.json";
import en from "./locales/en.json";
import { resolveLang } from "./i18n";

function keys(o: object, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === "object" && v ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe("i18n", () => {
  it("has every string in both languages", () => {
    expect(keys(es).sort()).toEqual(keys(en).sort());
  });
  it("follows the setting, else the system locale, Spanish by default", () => {
    expect(resolveLang("en", "es-MX")).toBe("en");
    expect(resolveLang("", "en-US")).toBe("en");
    expect(resolveLang("", "es-MX")).toBe("es");
    expect(resolveLang("", null)).toBe("es");
  });
  it("covers every category and threat level (custody actions: a test in src-tauri, from the core's list)", () => {
    for (const c of ["threat", "harassment", "doxxing", "hate", "incitement", "sexual_violence", "impersonation", "disinformation", "bot", "coordinated", "other"]) {
      expect(es.category).toHaveProperty(c);
    }
    expect(Object.keys(es.threat).sort()).toEqual(["critical", "high", "low", "medium"]);
  });
});
