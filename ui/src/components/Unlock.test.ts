import { afterEach, describe, expect, it } from "vitest";
import { render, screen, fireEvent, cleanup } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { locale, waitLocale } from "svelte-i18n";
import "../lib/i18n";
import { app } from "../lib/app.svelte";
import Unlock from "./Unlock.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

function status(exists: boolean) {
  app.status = {
    vault_dir: "/tmp/v",
    vault_exists: exists,
    unlocked: false,
    version: "0.1.0",
    system_locale: "es_MX.UTF-8",
    prefs: { language: "es", time_zone: "", auto_lock_minutes: 10, vault_dir: "" },
  };
}

describe("Unlock", () => {
  it("asks for a confirmation when creating and refuses a mismatch", async () => {
    locale.set("es");
    await waitLocale();
    status(false);
    render(Unlock, { onUnlocked: () => {} });
    await fireEvent.input(screen.getByLabelText("Contraseña"), { target: { value: "una frase larga" } });
    await fireEvent.input(screen.getByLabelText("Repite la contraseña"), { target: { value: "otra cosa" } });
    expect(screen.getByRole("alert").textContent).toContain("no coinciden");
    expect((screen.getByRole("button", { name: "Crear bóveda" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows a wrong passphrase in the person's language", async () => {
    locale.set("en");
    await waitLocale();
    status(true);
    mockIPC(() => {
      throw { kind: "wrong_passphrase", message: "wrong passphrase, or the vault's key file is damaged" };
    });
    render(Unlock, { onUnlocked: () => {} });
    await fireEvent.input(screen.getByLabelText("Passphrase"), { target: { value: "nope" } });
    await fireEvent.click(screen.getByRole("button", { name: "Open" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Wrong passphrase");
  });
});
