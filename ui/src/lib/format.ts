// Dates, numbers and sizes formatted for the person's language and time zone.
import type { Lang } from "./i18n";

/** The display time zone: the setting, else Mexico City for Spanish, else the system's. */
export function resolveTimeZone(setting: string, lang: Lang, systemLocale = navigator.language): string {
  if (setting) return setting;
  if (lang === "es" && systemLocale.toLowerCase() === "es-mx") return "America/Mexico_City";
  if (lang === "es") return "America/Mexico_City";
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function formatDateTime(iso: string | null | undefined, lang: Lang, timeZone: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === "es" ? "es-MX" : "en-US", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(d);
}

export function formatDate(iso: string | null | undefined, lang: Lang, timeZone: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === "es" ? "es-MX" : "en-US", { dateStyle: "medium", timeZone }).format(d);
}

/** The calendar day (YYYY-MM-DD) of a time in a zone, for per-day charts. */
export function dayKey(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

export function formatBytes(n: number | null | undefined, lang: Lang): string {
  if (n == null) return "";
  const units = ["B", "KB", "MB", "GB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const num = new Intl.NumberFormat(lang === "es" ? "es-MX" : "en-US", { maximumFractionDigits: i ? 1 : 0 }).format(v);
  return `${num} ${units[i]}`;
}
