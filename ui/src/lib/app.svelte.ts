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
  toast: null as { text: string; error: boolean } | null,
});

let toastTimer: ReturnType<typeof setTimeout> | undefined;

export function toast(text: string, error = false): void {
  app.toast = { text, error };
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (app.toast = null), error ? 8000 : 3500);
}

/** A sentence for an error: the translated kind, then the detail. */
export function errorText(e: unknown, t: (key: string) => string): string {
  if (isAppError(e)) return `${t(`error.${e.kind}`)}: ${e.message}`;
  return String(e);
}
