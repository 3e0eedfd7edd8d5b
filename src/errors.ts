/**
 * The one error type the app throws on purpose. `code` says what went wrong in a way a caller can
 * branch on; `loc` says where (a file, a line, an ID), so the CLI can print a one-line message that
 * names the thing the user must fix.
 */
export type ErrorCode =
  | 'file-unreadable'
  | 'fetch-failed'
  | 'invalid-json'
  | 'not-a-bundle'
  | 'invalid-stix'
  | 'unknown-version'
  | 'unknown-domain'
  | 'unknown-id'
  | 'ambiguous-id'
  | 'invalid-argument'
  | 'store-error'
  | 'invalid-input'
  | 'source-too-large'
  | 'path-not-allowed'
  | 'url-not-allowed'
  | 'cancelled'
  | 'refused';

export interface SourceLocation {
  /** File path or URL the problem was found in. */
  readonly source?: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** 1-based column, when known. */
  readonly column?: number;
  /** The object being processed (an ATT&CK ID, a STIX id, a rule id...). */
  readonly id?: string;
}

export class TtpgraphError extends Error {
  readonly code: ErrorCode;
  readonly loc: SourceLocation;

  constructor(code: ErrorCode, message: string, loc: SourceLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TtpgraphError';
    this.code = code;
    this.loc = loc;
  }

  /** "FILE:LINE: message" / "ID: message": one line naming the place. */
  describe(): string {
    const where = [this.loc.source, this.loc.line, this.loc.column].filter((p) => p !== undefined).join(':');
    const prefix = where !== '' ? `${where}: ` : '';
    return `${prefix}${this.message}`;
  }
}

/**
 * Why a file could not be read, in the words a person expects ("no such file"), from a Node
 * file-system error: messages read `PATH: no such file`, the same wherever the file was named.
 */
export function fileReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'ENOTDIR':
      return 'no such file (a part of the path is not a folder)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return `cannot read: ${code ?? (err instanceof Error ? err.message : String(err))}`;
  }
}
