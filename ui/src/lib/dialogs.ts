// The open and save dialogs, and files dropped on the window, through one door.
// The dialogs are opened by the Rust side (`choose_open`, `choose_save`), which
// records what the person chose: the commands that read or write a file accept
// only such paths (and files dropped on the window, which the Rust side records
// before this module hears of them). The web view cannot name a path itself.
// The end-to-end tests answer the dialogs from a file the Rust side reads in
// debug builds (see src-tauri/src/dialogs.rs), never from here.
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { api } from "./api";
import type { OpenFor, SaveFor } from "./bindings";

/** Paths chosen in an open dialog for `purpose` (none when cancelled). */
export function pickPaths(purpose: OpenFor): Promise<string[]> {
  return api.chooseOpen(purpose);
}

/** One path chosen in an open dialog for `purpose`, or null. */
export async function pickPath(purpose: OpenFor): Promise<string | null> {
  return (await api.chooseOpen(purpose))[0] ?? null;
}

/** The path chosen in a save dialog for `purpose`, suggesting `fileName`, or null. */
export function pickSavePath(purpose: SaveFor, fileName: string): Promise<string | null> {
  return api.chooseSave(purpose, fileName);
}

/** Calls `onDrop` with the paths of files dropped on the window (once the
 *  shell has recorded them) and `onHover(true|false)` while they are dragged
 *  over it; returns the unlisten. */
export function onFileDrop(onDrop: (paths: string[]) => void, onHover: (over: boolean) => void): () => void {
  const unlisten: (() => void)[] = [];
  getCurrentWebview()
    .onDragDropEvent((e) => {
      if (e.payload.type === "over" || e.payload.type === "enter") onHover(true);
      else onHover(false);
    })
    .then((u) => unlisten.push(u))
    .catch(() => {});
  api
    .onFilesDropped((paths) => onDrop(paths))
    .then((u) => unlisten.push(u))
    .catch(() => {});
  return () => unlisten.forEach((u) => u());
}
