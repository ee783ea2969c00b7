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

/** Minutes `timeZone` is ahead of UTC at instant `ms`. */
function offsetMinutes(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(ms));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

/** An instant as wall-clock `YYYY-MM-DDTHH:mm` in a zone (for editing). */
export function toZonedInput(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return "";
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return "";
  return new Date(ms + offsetMinutes(ms, timeZone) * 60000).toISOString().slice(0, 16);
}

/** Wall-clock `YYYY-MM-DDTHH:mm` (or `YYYY-MM-DD`, midnight) in a zone, as
 *  an RFC 3339 UTC instant; `null` when empty or unreadable. */
export function fromZonedInput(local: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(local.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // Two passes settle the offset across a daylight-saving change.
  let ms = wall - offsetMinutes(wall, timeZone) * 60000;
  ms = wall - offsetMinutes(ms, timeZone) * 60000;
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** A file name for something made from a case: `reporte-campana-contra-x-2026-11-28.zip`. */
export function caseFileName(prefix: string, caseName: string, caseId: string, ext: string, now = new Date()): string {
  const slug = caseName.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
  return `${prefix}-${slug || caseId}-${now.toISOString().slice(0, 10)}.${ext}`;
}

/**
 * Text from outside Testigo (file and entry names, paths, URLs, page titles)
 * as harmless text: control characters, bidi embeddings, overrides, isolates
 * and marks, and line separators are shown as `\u{…}`, so a name such as
 * `x\u{202e}gnp.exe` cannot display as `xexe.png`. The CLI does the same
 * (`cli::shown`). Post text keeps its own marks (Arabic and Hebrew need them).
 */
export function shown(s: string | null | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (s ?? "").replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\u{${c.codePointAt(0)!.toString(16)}}`;
  });
}

/** A key fingerprint in groups of four, as people read it aloud to compare. */
export function grouped(hex: string): string {
  return hex.match(/.{1,4}/g)?.join(" ") ?? hex;
}

/** The last part of a path (a file's name). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
