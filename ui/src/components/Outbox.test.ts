import { afterEach, describe, expect, it } from "vitest";
import { render, screen, fireEvent, cleanup } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { locale, waitLocale } from "svelte-i18n";
import "../lib/i18n";
import type { Submission } from "../lib/bindings";
import Outbox from "./Outbox.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

function submission(over: Partial<Submission>): Submission {
  return {
    id: "01J0000000000000000000000A",
    org_id: "ABCDEF0123456789",
    org_name: "Red de Defensoras",
    report_path: "/home/ana/reporte.zip",
    report_sha256: "ab".repeat(32),
    size: 4 << 20,
    report_id: "cd".repeat(16),
    state: "queued",
    sent: 0,
    chunk_size: 256 << 10,
    error: null,
    error_es: null,
    attempts: 0,
    next_attempt_at: null,
    receipt: null,
    created_at: "2026-12-01T10:00:00Z",
    ...over,
  };
}

describe("Outbox", () => {
  it("shows a failed submission's reason in Spanish, its progress and when it is tried again, and pauses it", async () => {
    locale.set("es");
    await waitLocale();
    const calls: { cmd: string; args: unknown }[] = [];
    const failed = submission({
      state: "failed",
      sent: 1 << 20,
      attempts: 6,
      error: "the organization's server could not be reached (timeout); it will be tried again",
      error_es: "no se pudo llegar al servidor de la organización (timeout); se intentará de nuevo",
      next_attempt_at: "2026-12-01T10:05:00Z",
    });
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "outbox") return [failed];
      if (cmd === "sealed_reports") return [];
      if (cmd === "list_cases") return [];
      if (cmd === "pause_submission") return { ...failed, state: "paused" };
      return null;
    }, { shouldMockEvents: true });
    render(Outbox, { lang: "es", tz: "America/Mexico_City" });
    expect(await screen.findByText(/se intentará de nuevo/)).toBeTruthy();
    expect(screen.getByText("Falló; se reintentará")).toBeTruthy();
    expect(screen.getByText(/1 MB de 4 MB \(25 %\)/)).toBeTruthy();
    expect(screen.getByText(/Se intentará de nuevo .*4:05/)).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Pausar" }));
    expect(await screen.findByText("En pausa")).toBeTruthy();
    expect(calls.find((c) => c.cmd === "pause_submission")?.args).toMatchObject({ id: failed.id, paused: true });
    expect(screen.getByRole("button", { name: "Reanudar" })).toBeTruthy();
  });

  it("says what to do when nothing was submitted or sealed, and shows names from a server as harmless text", async () => {
    locale.set("es");
    await waitLocale();
    mockIPC((cmd) => {
      if (cmd === "outbox") return [submission({ state: "refused", org_name: "Red\u202Egnp.exe", error: "refused", error_es: "rechazado: <b>no</b>" })];
      if (cmd === "sealed_reports") return [];
      if (cmd === "list_cases") return [];
      return null;
    }, { shouldMockEvents: true });
    const { container } = render(Outbox, { lang: "es", tz: "UTC" });
    expect(await screen.findByText(/rechazado: <b>no<\/b>/)).toBeTruthy();
    expect(container.querySelector("b")).toBeNull();
    expect(container.textContent).toContain("Red\\u{202e}gnp.exe");
    expect(screen.getByText(/Todavía no sellaste ningún reporte/)).toBeTruthy();
  });
});
