// The one module that talks to the backend. Every call goes through here, so
// tests can replace the backend (mockIPC) and components never see the IPC.
import { commands, events } from "./bindings";
import type {
  AppError, MetaInput, ItemFilter, Prefs, ImportProgress, CaptureProgress, SealProgress, VerifyProgress, Signer,
  PacketProgress, PrintOptions, OpenFor, SaveFor, Submission, Format, Window, AnalysisProgress,
} from "./bindings";

type Res<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

async function unwrap<T>(p: Promise<Res<T>>): Promise<T> {
  const r = await p;
  if (r.status === "error") throw r.error;
  return r.data;
}

export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "kind" in e && "message" in e;
}

export const api = {
  status: () => unwrap(commands.appStatus()),
  vocabulary: () => commands.vocabulary(),
  setUiLanguage: (lang: string) => commands.setUiLanguage(lang),
  createVault: (passphrase: string) => unwrap(commands.createVault(passphrase)),
  unlock: (passphrase: string) => unwrap(commands.unlock(passphrase)),
  lock: () => unwrap(commands.lock()),
  setPrefs: (prefs: Prefs) => unwrap(commands.setPrefs(prefs)),
  cases: () => unwrap(commands.listCases()),
  createCase: (name: string, description: string) => unwrap(commands.createCase(name, description)),
  editCase: (id: string, name: string, description: string) => unwrap(commands.editCase(id, name, description)),
  items: (filter: ItemFilter) => unwrap(commands.listItems(filter)),
  search: (query: string, caseId: string | null) => unwrap(commands.searchItems(query, caseId)),
  item: (id: string) => unwrap(commands.itemDetail(id)),
  editItem: (id: string, fields: MetaInput) => unwrap(commands.editItem(id, fields)),
  removeItem: (id: string, reason: string) => unwrap(commands.removeItem(id, reason)),
  addNote: (caseId: string, text: string, fields: MetaInput) => unwrap(commands.addNote(caseId, text, fields)),
  addLinks: (caseId: string, urls: string[], fields: MetaInput) => unwrap(commands.addLinks(caseId, urls, fields)),
  importBytes: (caseId: string, name: string, bytes: number[], fields: MetaInput) =>
    unwrap(commands.importBytes(caseId, name, bytes, fields)),
  importPaths: (caseId: string, paths: string[], fields: MetaInput, followLinks = false) =>
    unwrap(commands.importPaths(caseId, paths, fields, followLinks)),
  cancelImport: () => commands.cancelImport(),
  accounts: (caseId: string | null) => unwrap(commands.accounts(caseId)),
  log: (caseId: string | null) => unwrap(commands.custodyLog(caseId)),
  check: () => unwrap(commands.checkVault()),
  chooseOpen: (purpose: OpenFor) => unwrap(commands.chooseOpen(purpose)),
  chooseSave: (purpose: SaveFor, fileName: string) => unwrap(commands.chooseSave(purpose, fileName)),
  onFilesDropped: (f: (paths: string[]) => void) => events.filesDropped.listen((e) => f(e.payload.paths)),
  saveOriginal: (id: string, path: string) => unwrap(commands.saveOriginal(id, path)),
  onImportProgress: (f: (p: ImportProgress) => void) => events.importProgress.listen((e) => f(e.payload)),
  captureLinks: (ids: string[]) => unwrap(commands.captureLinks(ids)),
  onCaptureProgress: (f: (p: CaptureProgress) => void) => events.captureProgress.listen((e) => f(e.payload)),
  fetchOembed: (id: string, n: number | null) => unwrap(commands.fetchOembed(id, n)),
  saveWarc: (id: string, seq: number | null, path: string) => unwrap(commands.saveWarc(id, seq, path)),
  captureSettings: () => unwrap(commands.captureSettings()),
  setCaptureSetting: (key: string, value: string | null) => unwrap(commands.setCaptureSetting(key, value)),
  openInBrowser: (url: string) => unwrap(commands.openInBrowser(url)),
  publicKey: () => unwrap(commands.publicKey()),
  exportPublicKey: (path: string) => unwrap(commands.exportPublicKey(path)),
  signer: () => unwrap(commands.signer()),
  setSigner: (s: Signer) => unwrap(commands.setSigner(s)),
  seal: (caseId: string, items: string[], out: string, recipients: string[], print: PrintOptions) =>
    unwrap(commands.seal(caseId, items, out, recipients, print)),
  packet: (caseId: string, items: string[], out: string, print: PrintOptions) =>
    unwrap(commands.packet(caseId, items, out, print)),
  cancelPacket: () => commands.cancelPacket(),
  onPacketProgress: (f: (p: PacketProgress) => void) => events.packetProgress.listen((e) => f(e.payload)),
  onSealProgress: (f: (p: SealProgress) => void) => events.sealProgress.listen((e) => f(e.payload)),
  verify: (path: string, trustedKey: string | null, trustedKeyFile: string | null, identity: string | null) =>
    unwrap(commands.verifyBundle(path, trustedKey, trustedKeyFile, identity)),
  onVerifyProgress: (f: (p: VerifyProgress) => void) => events.verifyProgress.listen((e) => f(e.payload)),
  reveal: (path: string) => unwrap(commands.reveal(path)),
  openWritten: (path: string) => unwrap(commands.openWritten(path)),
  orgs: () => unwrap(commands.orgs()),
  addOrg: (path: string) => unwrap(commands.addOrg(path)),
  sealedReports: () => unwrap(commands.sealedReports()),
  outbox: () => unwrap(commands.outbox()),
  submit: (report: string, orgId: string) => unwrap(commands.submit(report, orgId)),
  pauseSubmission: (id: string, paused: boolean) => unwrap(commands.pauseSubmission(id, paused)),
  retryOutbox: () => unwrap(commands.retryOutbox()),
  receipt: (id: string) => unwrap(commands.receipt(id)),
  exportReceipt: (id: string, path: string) => unwrap(commands.exportReceipt(id, path)),
  onOutboxProgress: (f: (s: Submission) => void) => events.outboxProgress.listen((e) => f(e.payload.submission)),
  onOutboxError: (f: (message: string) => void) => events.outboxError.listen((e) => f(e.payload.message)),
  importPosts: (caseId: string, path: string, format: Format) => unwrap(commands.importPosts(caseId, path, format)),
  analyze: (caseId: string, window: Window) => unwrap(commands.analyze(caseId, window)),
  cancelAnalysis: () => commands.cancelAnalysis(),
  onAnalysisProgress: (f: (p: AnalysisProgress) => void) => events.analysisProgress.listen((e) => f(e.payload)),
  analysis: (caseId: string) => unwrap(commands.analysis(caseId)),
  exportAnalysis: (caseId: string, format: string, path: string) => unwrap(commands.exportAnalysis(caseId, format, path)),
  campaignItems: (caseId: string, campaignId: string) => unwrap(commands.campaignItems(caseId, campaignId)),
  postSource: (caseId: string, postId: string, item: boolean) => unwrap(commands.postSource(caseId, postId, item)),
};

/** Fields to leave as they are (nothing given). */
export function emptyMeta(): MetaInput {
  // Every field of MetaInput is optional: a missing one is left as it is.
  return {};
}

/** Address of a thumbnail or original served by the app's `testigo:` scheme. */
export function imageUrl(kind: "thumb" | "original", key: string): string {
  const linux = navigator.userAgent.includes("Linux") || navigator.userAgent.includes("Mac");
  return linux ? `testigo://localhost/${kind}/${key}` : `http://testigo.localhost/${kind}/${key}`;
}
