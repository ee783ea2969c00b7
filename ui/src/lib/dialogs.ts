// The open and save dialogs, and files dropped on the window, through one door. The end-to-end tests cannot
// click in the system's native (GTK) dialog, so they queue the answer the
// person would give in `window.__testigoE2E.answers`; everything after the
// dialog (import, seal, verify) then runs for real. This grants nothing: any
// script in the web view could call the same commands with any path.
import { open, save, type OpenDialogOptions, type SaveDialogOptions } from "@tauri-apps/plugin-dialog";
import { getCurrentWebview } from "@tauri-apps/api/webview";

type Answer = string | string[] | null;
declare global {
  interface Window {
    __testigoE2E?: { answers: Answer[] };
  }
}

function queued(): { answer: Answer } | null {
  const q = window.__testigoE2E?.answers;
  return q && q.length ? { answer: q.shift() ?? null } : null;
}

/** Paths chosen in an open dialog (none when cancelled). */
export async function pickPaths(options: OpenDialogOptions): Promise<string[]> {
  const q = queued();
  const picked = q ? q.answer : await open(options);
  return picked == null ? [] : Array.isArray(picked) ? picked : [picked];
}

/** One path chosen in an open dialog, or null. */
export async function pickPath(options: OpenDialogOptions): Promise<string | null> {
  return (await pickPaths({ ...options, multiple: false }))[0] ?? null;
}

/** The path chosen in a save dialog, or null. */
export async function pickSavePath(options: SaveDialogOptions): Promise<string | null> {
  const q = queued();
  const picked = q ? q.answer : await save(options);
  return typeof picked === "string" ? picked : null;
}

/** Calls `onDrop` with the paths of files dropped on the window and
 *  `onHover(true|false)` while they are dragged over it; returns the unlisten. */
export function onFileDrop(onDrop: (paths: string[]) => void, onHover: (over: boolean) => void): () => void {
  let unlisten: (() => void) | undefined;
  getCurrentWebview()
    .onDragDropEvent((e) => {
      if (e.payload.type === "over" || e.payload.type === "enter") onHover(true);
      else if (e.payload.type === "leave") onHover(false);
      else if (e.payload.type === "drop") {
        onHover(false);
        onDrop(e.payload.paths);
      }
    })
    .then((u) => (unlisten = u))
    .catch(() => {});
  return () => unlisten?.();
}
