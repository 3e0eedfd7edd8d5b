/**
 * Problems found while loading or compiling Sigma rules, as values. Every issue carries a code a
 * caller can branch on and, when known, the file, 1-based line and column, and the rule id. The
 * library never throws for bad rules: it collects issues and goes on with the other documents.
 */
export type SigmaIssueCode =
  | 'yaml-syntax'
  | 'yaml-limit'
  | 'invalid-document'
  | 'empty-file'
  | 'missing-field'
  | 'invalid-field'
  | 'invalid-detection'
  | 'unknown-modifier'
  | 'invalid-modifier'
  | 'invalid-value'
  | 'invalid-regex'
  | 'invalid-cidr'
  | 'invalid-condition'
  | 'undefined-identifier'
  | 'unsupported-aggregation'
  | 'invalid-correlation'
  | 'invalid-filter'
  | 'unknown-rule-reference'
  | 'unresolved-placeholder'
  | 'invalid-pipeline';

export type SigmaIssueSeverity = 'error' | 'warning';

export interface SigmaIssue {
  readonly code: SigmaIssueCode;
  readonly severity: SigmaIssueSeverity;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly ruleId?: string;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** `file:line:col: error[code] rule-id: message`, the way a compiler prints it. */
export function formatIssue(issue: SigmaIssue): string {
  const where = [issue.file ?? '<input>', issue.line, issue.column].filter((p) => p !== undefined).join(':');
  const id = issue.ruleId !== undefined ? ` ${issue.ruleId}:` : '';
  return `${where}: ${issue.severity}[${issue.code}]${id} ${issue.message}`;
}

/** Thrown internally while building one rule; turned into an issue at the document boundary. */
export class SigmaBuildError extends Error {
  readonly code: SigmaIssueCode;
  readonly pos: Position | undefined;
  constructor(code: SigmaIssueCode, message: string, pos?: Position) {
    super(message);
    this.name = 'SigmaBuildError';
    this.code = code;
    this.pos = pos;
  }
}

/** A YAML value as text for messages and string contexts (objects as JSON, never "[object Object]"). */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? String(v);
}
