/**
 * SQL text for ClickHouse: string literals, identifiers and LIKE patterns. Every value a rule
 * carries reaches the SQL through `literal` (quote and backslash escaped, control characters
 * written as escapes), so a rule value can never end its literal and run SQL of its own.
 * ClickHouse 18.16 (Debian's) has no query parameters, so escaping is the one way for both engines.
 */

/** A ClickHouse string literal: `'...'` with `\` and `'` escaped and control characters as escapes. */
export function literal(s: string): string {
  let out = "'";
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (c === 0) out += '\\0';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** A literal list for IN / arrays. */
export function literalList(values: readonly string[]): string {
  return values.map(literal).join(', ');
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `db.table` or `table`, each part a plain identifier (letters, digits, underscore); else undefined. */
export function tableName(name: string): string | undefined {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) return undefined;
  return parts.map((p) => `\`${p}\``).join('.');
}

/** Escapes LIKE's own metacharacters (`%`, `_`, `\`) in literal text. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (m) => `\\${m}`);
}
