import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { pickPath, pickPaths, pickSavePath } from "./dialogs";

afterEach(() => clearMocks());

describe("dialogs", () => {
  it("ask the shell for a dialog by purpose, never with a path", async () => {
    const seen: unknown[] = [];
    mockIPC((cmd, args) => {
      seen.push({ cmd, args });
      return cmd === "choose_save" ? "/home/ana/reporte.zip" : ["/home/ana/capturas"];
    });
    expect(await pickPaths("import_folders")).toEqual(["/home/ana/capturas"]);
    expect(await pickPath("bundle")).toBe("/home/ana/capturas");
    expect(await pickSavePath("bundle", "reporte.zip")).toBe("/home/ana/reporte.zip");
    expect(seen).toEqual([
      { cmd: "choose_open", args: { purpose: "import_folders" } },
      { cmd: "choose_open", args: { purpose: "bundle" } },
      { cmd: "choose_save", args: { purpose: "bundle", fileName: "reporte.zip" } },
    ]);
  });

  it("ignore answers queued in the web view", async () => {
    (window as unknown as { __testigoE2E: unknown }).__testigoE2E = { answers: [["/etc/passwd"]] };
    mockIPC(() => []);
    expect(await pickPaths("import_files")).toEqual([]);
  });
});
