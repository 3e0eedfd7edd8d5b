/**
 * `sync`: fetch every file of the chosen source kinds and import what changed, one file at a time.
 *
 *   kinds ──list──▶ SyncItem[] ──transport.get──▶ bytes (+ sha256, cache/304/local)
 *         ──stored?──▶ unchanged | dry-run: new/updated | apply (one transaction) ──▶ SyncResult
 *
 * A file that cannot be fetched, or fails to import, fails alone: its result carries the error
 * (naming the URL or path) and the store is as it was for that file; the others still go on.
 * Nothing here prints: progress and results go to `onEvent`, and the CLI decides what to show.
 */
import type { Domain } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import type { Store } from '../store/sqlite/store.ts';
import { FORMAT_CHECKS } from './formats.ts';
import { sha256Hex } from './http-cache.ts';
import type { FetchedFile, Transport } from './transport.ts';
import type { FileLocation, SourceKind, SyncItem } from './types.ts';

export interface SyncOptions {
  readonly transport: Transport;
  readonly sources: readonly SourceKind[];
  /** --domain; empty means every domain. */
  readonly domains?: readonly Domain[];
  readonly attackVersion?: string;
  /** List what would change; write neither the store nor the cache. */
  readonly dryRun?: boolean;
  readonly onEvent?: (event: SyncEvent) => void;
  /** Stops before the next file (a cancelled web job): files done so far stay, no new one starts. */
  readonly signal?: AbortSignal;
}

export type SyncAction = 'imported' | 'replaced' | 'unchanged' | 'new' | 'updated' | 'failed';

export interface SyncResult {
  /** The kind ("attack", "mappings", "sigma"). */
  readonly source: string;
  readonly label: string;
  /** The URL or path read. */
  readonly where: string;
  readonly action: SyncAction;
  readonly transfer: 'downloaded' | 'not-modified' | 'local' | 'none';
  readonly downloadedBytes: number;
  /** What the import stored ("2082 objects, ..."), or for a dry run what it would change when the kind can say; else null. */
  readonly counts: string | null;
  readonly warnings: readonly string[];
  readonly error: TtpgraphError | null;
  readonly seconds: number;
}

/** Every request made, the listings' (the collection index) included. */
export interface Transfer {
  readonly where: string;
  readonly transfer: 'downloaded' | 'not-modified' | 'local';
  readonly bytes: number;
}

export interface SyncReport {
  readonly dryRun: boolean;
  readonly results: readonly SyncResult[];
  readonly transfers: readonly Transfer[];
  readonly failed: number;
  readonly downloadedBytes: number;
  readonly seconds: number;
}

export type SyncEvent =
  | { readonly type: 'progress'; readonly phase: 'download' | 'import'; readonly item: number; readonly items: number; readonly label: string; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly result: SyncResult }
  | { readonly type: 'warning'; readonly message: string };

export async function syncSources(store: Store, options: SyncOptions): Promise<SyncReport> {
  const started = performance.now();
  const { transport } = options;
  const dryRun = options.dryRun === true;
  const emit = options.onEvent ?? ((): void => undefined);
  const results: SyncResult[] = [];
  const transfers: Transfer[] = [];
  const record = (result: SyncResult): void => {
    results.push(result);
    emit({ type: 'result', result });
  };

  const items: SyncItem[] = [];
  for (const kind of options.sources) {
    if (options.signal?.aborted === true) break;
    const listStarted = performance.now();
    try {
      items.push(
        ...(await kind.list({
          options: { domains: options.domains ?? [], attackVersion: options.attackVersion },
          fetch: async (location: FileLocation) => {
            const got = await transport.get(location);
            transfers.push({ where: got.where, transfer: got.transfer, bytes: got.downloadedBytes });
            if (got.warning !== undefined) emit({ type: 'warning', message: got.warning });
            return got.bytes;
          },
          listMirrorFolder: (folder) => transport.listFolder(folder),
          readMirrorTree: (folder, subfolders, extensions) => transport.readTree(folder, subfolders, extensions),
          warn: (message) => emit({ type: 'warning', message: `${kind.name}: ${message}` }),
        })),
      );
    } catch (err) {
      // A listing error names its URL when it has one (the collection index); else it stands alone.
      const error = err instanceof TtpgraphError ? err : asError(err, transport.origin);
      record(failure(kind.name, kind.description, error.loc.source ?? transport.origin, error, listStarted));
    }
  }

  for (const [i, item] of items.entries()) {
    if (options.signal?.aborted === true) break;
    const itemStarted = performance.now();
    const progress = (phase: 'download' | 'import') => (done: number, total: number) =>
      emit({ type: 'progress', phase, item: i + 1, items: items.length, label: item.label, done, total });
    let where = transport.where(item.location);
    try {
      const got: FetchedFile =
        item.fetch === undefined
          ? await transport.get(item.location, progress('download'))
          : await item.fetch().then(({ where: at, bytes }) => ({ where: at, bytes, sha256: sha256Hex(bytes), transfer: 'local' as const, downloadedBytes: 0, checked: true }));
      where = got.where;
      transfers.push({ where: got.where, transfer: got.transfer, bytes: got.downloadedBytes });
      if (got.warning !== undefined) emit({ type: 'warning', message: got.warning });
      const base = { source: item.source, label: item.label, where, transfer: got.transfer, downloadedBytes: got.downloadedBytes, error: null };
      if (item.stored(store, got.sha256)) {
        record({ ...base, action: 'unchanged', counts: null, warnings: [], seconds: secondsSince(itemStarted) });
        continue;
      }
      if (!got.checked) FORMAT_CHECKS[item.location.format](got.bytes, got.where);
      if (dryRun) {
        const preview = item.preview?.(store, got.bytes, got.where);
        record({ ...base, action: item.change(store, got.bytes), counts: preview?.counts ?? null, warnings: preview?.warnings ?? [], seconds: secondsSince(itemStarted) });
      } else {
        const outcome = item.apply(store, got.bytes, got.where, progress('import'));
        record({ ...base, action: outcome.status, counts: outcome.counts, warnings: outcome.warnings, seconds: secondsSince(itemStarted) });
      }
    } catch (err) {
      record(failure(item.source, item.label, where, asError(err, where), itemStarted));
    }
  }

  return {
    dryRun,
    results,
    transfers,
    failed: results.filter((r) => r.action === 'failed').length,
    downloadedBytes: transfers.reduce((n, t) => n + t.bytes, 0),
    seconds: secondsSince(started),
  };
}

function failure(source: string, label: string, where: string, error: TtpgraphError, started: number): SyncResult {
  return { source, label, where, action: 'failed', transfer: 'none', downloadedBytes: 0, counts: null, warnings: [], error, seconds: secondsSince(started) };
}

/** Errors from below (SQLite, a bug) still become one line naming the file. */
function asError(err: unknown, where: string): TtpgraphError {
  if (err instanceof TtpgraphError) return err.loc.source === undefined ? new TtpgraphError(err.code, err.message, { ...err.loc, source: where }, { cause: err }) : err;
  const message = err instanceof Error ? err.message : String(err);
  return new TtpgraphError('store-error', message, { source: where }, { cause: err });
}

function secondsSince(start: number): number {
  return Math.round(performance.now() - start) / 1000;
}
