/**
 * The shapes `sync` works with. A source kind (ATT&CK, Mappings Explorer, SigmaHQ) lists the
 * files it wants as SyncItems; the orchestrator (sync.ts) fetches each through a Transport and hands
 * the bytes back to the item to compare with the store or import. Adding a kind is one entry in
 * sources.ts plus a `list` that builds items around its import function.
 */
import type { Domain } from '../core/attack.ts';
import type { Store } from '../store/sqlite/store.ts';
import type { FileFormat } from './formats.ts';

/** One file of a source: where it officially lives and where a mirror keeps it. */
export interface FileLocation {
  /** The official URL. */
  readonly url: string;
  /** Its path in a mirror laid out like ../shared/data ("attack/enterprise-attack-18.1.json"). */
  readonly mirrorPath: string;
  /** How a body is checked before it is cached or imported (formats.ts). */
  readonly format: FileFormat;
}

/** What an import did, in words the CLI prints. */
export interface ImportOutcome {
  readonly status: 'imported' | 'replaced' | 'unchanged';
  /** "2082 objects, 17899 relationships". */
  readonly counts: string;
  readonly warnings: readonly string[];
}

export interface SyncItem {
  /** The kind's name ("attack", "mappings"). */
  readonly source: string;
  /** "enterprise ATT&CK 18.1", "mappings nist_800_53 rev5 for ATT&CK 14.1 enterprise". */
  readonly label: string;
  readonly location: FileLocation;
  /** Are these exact bytes (by SHA-256) already in the store? Then there is nothing to import. */
  stored(store: Store, sha256: string): boolean;
  /** For bytes not in the store: would importing them add something new or replace what is there? */
  change(store: Store, bytes: Buffer): 'new' | 'updated';
  /** Imports the bytes in one transaction (a failure leaves the store as it was). */
  apply(store: Store, bytes: Buffer, source: string, onProgress: (done: number, total: number) => void): ImportOutcome;
  /**
   * Reads the bytes itself instead of fetching `location` (a mirror directory's folder tree, packed
   * into one archive). The bytes are already checked.
   */
  readonly fetch?: () => Promise<{ readonly where: string; readonly bytes: Buffer }>;
  /** For a dry run: what importing the bytes would change, in words ("12 rules added, 3 changed, 2 removed"). */
  readonly preview?: (store: Store, bytes: Buffer, source: string) => { readonly counts: string; readonly warnings: readonly string[] };
}

/** The files under some folders of a mirror directory. */
export interface MirrorTree {
  /** The mirror folder read (DIR/sigma). */
  readonly where: string;
  /** Paths relative to that folder, '/'-separated ("rules/windows/x.yml"), in name order. */
  readonly files: readonly { readonly name: string; readonly data: Buffer }[];
}

export interface ListOptions {
  /** Domains asked for with --domain; empty means every domain. */
  readonly domains: readonly Domain[];
  /** --attack-version; undefined means the newest release of each domain. */
  readonly attackVersion: string | undefined;
}

export interface ListContext {
  readonly options: ListOptions;
  /** Fetches a file the listing needs (the ATT&CK collection index). */
  fetch(location: FileLocation): Promise<Buffer>;
  /** Files of a mirror folder, when the mirror is a local directory (undefined otherwise). */
  listMirrorFolder(folder: string): Promise<string[] | undefined>;
  /**
   * Files with these extensions under the named subfolders of a mirror folder, recursively, when the
   * mirror is a local directory (undefined otherwise). Subfolders that do not exist are skipped.
   */
  readMirrorTree(folder: string, subfolders: readonly string[], extensions: readonly string[]): Promise<MirrorTree | undefined>;
  /** Something the user should know that is not a failure. */
  warn(message: string): void;
}

export interface SourceKind {
  readonly name: string;
  readonly description: string;
  /** The files to fetch; throws (a TtpgraphError naming the URL) when the listing itself cannot be had. */
  list(context: ListContext): Promise<SyncItem[]>;
}
