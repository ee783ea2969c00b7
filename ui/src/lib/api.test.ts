import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api, emptyMeta, isAppError } from "./api";

afterEach(() => clearMocks());

describe("api", () => {
  it("returns data and passes arguments by their Rust names", async () => {
    let seen: unknown;
    mockIPC((cmd, args) => {
      seen = { cmd, args };
      return { id: "01J", name: "Caso", description: "", created_at: "2024-01-01T00:00:00Z", item_count: 0 };
    });
    const c = await api.createCase("Caso", "");
    expect(c.name).toBe("Caso");
    expect(seen).toEqual({ cmd: "create_case", args: { name: "Caso", description: "" } });
  });

  it("throws the backend's {kind, message} error", async () => {
    mockIPC(() => {
      throw { kind: "wrong_passphrase", message: "wrong passphrase" };
    });
    const err = await api.unlock("x").catch((e) => e);
    expect(isAppError(err)).toBe(true);
    expect(err.kind).toBe("wrong_passphrase");
  });

  it("sends a complete, empty set of fields", async () => {
    let args: Record<string, unknown> = {};
    mockIPC((_cmd, a) => {
      args = a as Record<string, unknown>;
      return { id: "1" };
    });
    await api.addNote("case", "texto", emptyMeta());
    expect(Object.values(args.fields as object).every((v) => v === null)).toBe(true);
    expect(args.caseId).toBe("case");
  });
});
