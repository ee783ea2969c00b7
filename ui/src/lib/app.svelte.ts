// Shared UI state (Svelte 5 runes): where the person is, the app status,
// the closed lists, and short messages.
import type { AppStatus, Vocabulary } from "./bindings";
import { isAppError } from "./api";

export type View = "cases" | "case" | "analysis" | "accounts" | "log" | "outbox" | "verify" | "settings";

export const app = $state({
  status: null as AppStatus | null,
  vocab: null as Vocabulary | null,
  view: "cases" as View,
  caseId: null as string | null,
  itemId: null as string | null,
  toast: null as { text: string; error: boolean; detail: string | null } | null,
});

let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** A short message; an error with technical details stays until closed. */
export function toast(text: string, error = false, detail: string | null = null): void {
  app.toast = { text, error, detail };
  clearTimeout(toastTimer);
  if (!detail) toastTimer = setTimeout(() => (app.toast = null), error ? 8000 : 3500);
}

/** A sentence for an error: the translated kind, then what happened and what to do. */
export function errorText(e: unknown, t: (key: string) => string): string {
  if (isAppError(e)) return `${t(`error.${e.kind}`)}: ${e.message}`;
  return String(e);
}

/** The technical detail of an error (a library's or the system's words), if any. */
export function errorDetail(e: unknown): string | null {
  return isAppError(e) ? (e.detail ?? null) : null;
}

/** Shows an error: the sentence, with its technical detail behind "Detalles técnicos". */
export function toastError(e: unknown, t: (key: string) => string): void {
  toast(errorText(e, t), true, errorDetail(e));
}
