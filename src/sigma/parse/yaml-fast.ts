/**
 * A fast path for the YAML that Sigma rule files are written in. The `yaml` package builds a token
 * stream, a CST and a document of nodes before we turn it into plain values (yaml.ts); for rule
 * files that was over half the time of loading a folder of rules. This reads the small subset of
 * YAML that SigmaHQ's rules use straight into the same plain values and positions:
 *
 *   block mappings and block sequences (a sequence may sit at its key's indentation; `- key: v`
 *   starts a mapping inside an item), plain scalars (one line, or folded over more-indented lines),
 *   single- and double-quoted scalars on one line, `|` literal block scalars, comments, `---`
 *   between documents, and the YAML 1.1 types as yaml.ts gives them (null, booleans with `y`/`n`
 *   kept as strings, decimal integers, dates as `YYYY-MM-DD` strings). Tabs only in comments.
 *
 * It is a fast path, not a parser: the moment it meets anything it is not sure of (anchors,
 * aliases, tags, flow collections, other block scalars, other tabs, a directive, an empty item, any
 * number other than a decimal integer, a line it cannot place, a file deeper or larger than a
 * rule needs...) it gives up and returns undefined, and yaml.ts parses the text with the real
 * parser. So every error, and its position, still comes from the `yaml` package, and the limits on
 * alias expansion and nesting (YAML_LIMITS) are checked where they always were. Its output is
 * checked against the real parser's on every SigmaHQ file and on mutated ones (test/sigma).
 */
import type { Position } from '../issues.ts';

/** What yaml.ts's parseYamlPlain returns for a text without problems (structurally its PlainYamlResult). */
export interface FastYamlResult {
  readonly documents: { readonly value: unknown; readonly pos: Position }[];
  readonly positions: Map<object, Map<string | number, Position>>;
  readonly issues: never[];
}

/** Thrown inside the parser to give up; never leaves this module. */
const UNSURE = new Error('not in the fast YAML subset');

/** Far below YAML_LIMITS (yaml.ts): a text near them goes to the real parser, which reports them. */
const MAX_DEPTH = 32;
const MAX_NODES = 20_000;
/** The real parser refuses implicit keys longer than 1024 characters; longer ones go to it. */
const MAX_KEY = 1000;

/** Characters that make us hand the text over: CR, C0/C1 controls but tab and LF, BOM, Unicode line separators. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNSUPPORTED_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const SQUOTE = 39;
const DQUOTE = 34;
const PIPE = 124;

/** Parses `text` if it lies wholly within the subset above; undefined when the real parser must decide. */
export function fastYamlPlain(text: string): FastYamlResult | undefined {
  if (UNSUPPORTED_CHARS.test(text) || !tabsOnlyInComments(text)) return undefined;
  try {
    return new FastParser(text).parseAll();
  } catch (e) {
    if (e === UNSURE) return undefined;
    throw e;
  }
}

/**
 * Tabs are separators and indentation to YAML, with rules of their own; we take them only after the
 * `#` of a line that is a comment (spaces, then `#`), where they are text. (Such a line inside a `|`
 * block is content, tab included, to both parsers.)
 */
function tabsOnlyInComments(text: string): boolean {
  for (let i = text.indexOf('\t'); i >= 0; i = text.indexOf('\t', i + 1)) {
    let f = text.lastIndexOf('\n', i) + 1;
    while (text.charCodeAt(f) === SPACE) f++;
    if (text.charCodeAt(f) !== HASH) return false;
  }
  return true;
}

/**
 * YAML 1.1 resolution of a plain scalar, as the `yaml` package's 1.1 schema and yaml.ts's fix-ups
 * give it; throws UNSURE for any type other than the few handled (floats, octal, hex, sexagesimal,
 * timestamps with a time, signed numbers, merge keys...).
 */
function plainValue(t: string, isKey: boolean): unknown {
  const c = t.charCodeAt(0);
  // Digits, + - . ~ < and e/E (the 1.1 float pattern reads `e15` as a number).
  if ((c >= 48 && c <= 57) || c === 43 || c === DASH || c === 46 || c === 126 || c === 60 || c === 101 || c === 69) {
    if (t === '~') return isKey ? unsure() : null;
    if (DECIMAL.test(t)) return isKey ? unsure() : parseInt(t, 10);
    // Leading zeros: octal when every digit is 0-7 (the 1.1 schema tries octal first), else decimal (`00000429` is 429).
    if (DIGITS.test(t) && !OCTAL.test(t)) return isKey ? unsure() : parseInt(t, 10);
    if (DATE.test(t)) {
      if (isKey) return unsure();
      const m = DATE.exec(t) as RegExpExecArray;
      // As the 1.1 timestamp type builds it, then as yaml.ts writes a Date back: its UTC day.
      return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 0, 0, 0, 0)).toISOString().slice(0, 10);
    }
    for (const re of OTHER_TYPES) if (re.test(t)) return unsure();
    return t;
  }
  const w = WORDS.get(t);
  if (w === undefined) return t;
  if (isKey) return unsure();
  // yaml.ts keeps single-letter y/n as strings (PyYAML does); other words are null or booleans.
  return t.length === 1 ? t : w;
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const DIGITS = /^[0-9]+$/;
const OCTAL = /^0[0-7]+$/;
const DATE = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$/;
/** The other YAML 1.1 types a plain scalar starting with a digit, sign, dot, `~`, `<` or `e` can have. */
const OTHER_TYPES: readonly RegExp[] = [
  /^[-+]?0b[0-1_]+$/, // binary
  /^[-+]?0[0-7_]+$/, // octal
  /^[-+]?[0-9][0-9_]*$/, // other integers (signed, with underscores)
  /^[-+]?0x[0-9a-fA-F_]+$/, // hex
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/, // sexagesimal
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:t|T|[ \t]+)/, // timestamps with a time
  /^<<$/, // merge key
];
/** Words the 1.1 schema reads as null or booleans. */
const WORDS = new Map<string, null | boolean>([
  ...['null', 'Null', 'NULL'].map((w) => [w, null] as const),
  ...['Y', 'y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((w) => [w, true] as const),
  ...['N', 'n', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((w) => [w, false] as const),
]);

function unsure(): never {
  throw UNSURE;
}

/** First characters that start something other than a plain scalar (or a plain scalar the real parser refuses). */
function isIndicator(c: number): boolean {
  // [ ] { } , # & * ! | > % @ ` ? : and a dash followed by a space (handled by the callers)
  return c === 91 || c === 93 || c === 123 || c === 125 || c === 44 || c === HASH || c === 38 || c === 42 || c === 33 || c === PIPE || c === 62 || c === 37 || c === 64 || c === 96 || c === 63 || c === COLON;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

/** Line-by-line reader over the text; "the current line" is [ls, le) with `ind` leading spaces. */
class FastParser {
  private readonly s: string;
  private readonly n: number;
  private ls = 0;
  private le = 0;
  private line = 1;
  private ind = 0;
  private eof = false;
  /** The current line is a `---` line (the document ends). */
  private docEnd = false;
  private nodes = 0;
  private depth = 0;
  private readonly positions = new Map<object, Map<string | number, Position>>();

  constructor(text: string) {
    this.s = text;
    this.n = text.length;
    this.setLine(0, 1);
  }

  parseAll(): FastYamlResult {
    const documents: { value: unknown; pos: Position }[] = [];
    this.skipToContent();
    for (;;) {
      if (this.eof) break;
      if (this.docEnd) {
        this.docEnd = false;
        this.nextLine();
        this.skipToContent();
        if (this.eof || this.docEnd) unsure(); // an empty document
      }
      // A document is a mapping (a rule); anything else goes to the real parser.
      const f = this.ls + this.ind;
      if (this.keyColon(f) < 0) unsure();
      const pos = this.posAt(f);
      const value = this.parseMap(this.ind, f);
      if (!this.eof && !this.docEnd) unsure(); // something left at a lower indentation
      documents.push({ value, pos });
    }
    if (documents.length === 0) unsure();
    return { documents, positions: this.positions, issues: [] };
  }

  private setLine(start: number, lineNo: number): void {
    const s = this.s;
    this.ls = start;
    this.line = lineNo;
    let e = s.indexOf('\n', start);
    if (e < 0) e = this.n;
    this.le = e;
    let i = start;
    while (i < e && s.charCodeAt(i) === SPACE) i++;
    this.ind = i - start;
  }

  private nextLine(): void {
    if (this.le >= this.n) {
      this.eof = true;
      return;
    }
    this.setLine(this.le + 1, this.line + 1);
  }

  /** From the current line on, the first line with content (not blank, not only a comment); notes `---` and gives up on other markers. */
  private skipToContent(): void {
    const s = this.s;
    while (!this.eof) {
      const f = this.ls + this.ind;
      if (f < this.le && s.charCodeAt(f) !== HASH) {
        if (this.ind === 0) {
          const c = s.charCodeAt(f);
          if (c === DASH && s.startsWith('---', f)) {
            if (!this.restIsBlank(f + 3)) unsure();
            this.docEnd = true;
          } else if (c === 37 /* % */ || (c === 46 /* . */ && s.startsWith('...', f))) unsure();
        }
        return;
      }
      this.nextLine();
    }
  }

  /** The current line is only spaces, or spaces and a comment, from `i` on (`i` just after a token). */
  private restIsBlank(i: number): boolean {
    const s = this.s;
    const start = i;
    while (i < this.le && s.charCodeAt(i) === SPACE) i++;
    return i === this.le || (s.charCodeAt(i) === HASH && i > start);
  }

  private posAt(offset: number): Position {
    return { line: this.line, column: offset - this.ls + 1 };
  }

  private atEnd(): boolean {
    return this.eof || this.docEnd;
  }

  /** A `-` at `i` that starts a sequence item (followed by a space or the end of the line). */
  private isDash(i: number): boolean {
    return this.s.charCodeAt(i) === DASH && (i + 1 === this.le || this.s.charCodeAt(i + 1) === SPACE);
  }

  private count(): void {
    if (++this.nodes > MAX_NODES) unsure();
  }

  /**
   * When the current line holds an implicit key starting at `f`: the index of its `:` (followed by
   * a space or the end of the line); -1 when it holds no key.
   */
  private keyColon(f: number): number {
    const s = this.s;
    const le = this.le;
    const c = s.charCodeAt(f);
    let i: number;
    if (c === SQUOTE || c === DQUOTE) {
      i = this.quotedEnd(f);
      if (i < 0) return -1;
      while (i < le && s.charCodeAt(i) === SPACE) i++;
      return s.charCodeAt(i) === COLON && (i + 1 === le || s.charCodeAt(i + 1) === SPACE) ? i : -1;
    }
    for (i = f; i < le; i++) {
      const ch = s.charCodeAt(i);
      if (ch === COLON) {
        if (i + 1 === le || s.charCodeAt(i + 1) === SPACE) return i;
      } else if (ch === HASH && i > f && s.charCodeAt(i - 1) === SPACE) return -1;
    }
    return -1;
  }

  /** The index just after the closing quote of a quoted scalar opening at `f` on this line; -1 if it does not close on this line. */
  private quotedEnd(f: number): number {
    const s = this.s;
    const q = s.charCodeAt(f);
    for (let i = f + 1; i < this.le; i++) {
      const ch = s.charCodeAt(i);
      if (q === DQUOTE && ch === 92 /* \ */) i++;
      else if (ch === q) {
        if (q === SQUOTE && s.charCodeAt(i + 1) === SQUOTE) i++;
        else return i + 1;
      }
    }
    return -1;
  }

  /** A node that starts a line of its own, indented more than `parentCol`. */
  private parseBlockNode(parentCol: number): unknown {
    const f = this.ls + this.ind;
    if (this.isDash(f)) return this.parseSeq(this.ind);
    if (this.keyColon(f) >= 0) return this.parseMap(this.ind, f);
    if (this.s.charCodeAt(f) === PIPE) unsure();
    return this.parseScalar(parentCol, f);
  }

  /** A block mapping whose keys are at column `col`; the first key starts at `f` on the current line. */
  private parseMap(col: number, f: number): Record<string, unknown> {
    if (++this.depth > MAX_DEPTH) unsure();
    this.count();
    const s = this.s;
    const out: Record<string, unknown> = {};
    const pmap = new Map<string | number, Position>();
    for (;;) {
      const colon = this.keyColon(f);
      if (colon < 0 || colon - f > MAX_KEY) unsure();
      const key = this.keyText(f, colon);
      const pos = this.posAt(f);
      let v = colon + 1;
      while (v < this.le && s.charCodeAt(v) === SPACE) v++;
      let value: unknown;
      if (v === this.le || s.charCodeAt(v) === HASH) {
        // The value is on the next lines: a more-indented node, a sequence at this indentation, or nothing (null).
        this.nextLine();
        this.skipToContent();
        if (this.atEnd()) value = null;
        else if (this.ind > col) value = this.parseBlockNode(col);
        else if (this.ind === col && this.isDash(this.ls + this.ind)) value = this.parseSeq(col);
        else value = null;
        if (value === null) this.count();
      } else {
        value = this.parseScalar(col, v);
      }
      out[key] = value;
      pmap.set(key, pos);
      if (this.atEnd() || this.ind < col) break;
      if (this.ind > col) unsure();
      f = this.ls + this.ind;
      if (this.isDash(f)) unsure();
    }
    this.positions.set(out, pmap);
    this.depth--;
    return out;
  }

  /** The key from `f` to the `:` at `colon`, as yaml.ts names it (string keys only). */
  private keyText(f: number, colon: number): string {
    const s = this.s;
    const c = s.charCodeAt(f);
    if (c === SQUOTE || c === DQUOTE) return this.quoted(f).value;
    if (isIndicator(c) || (c === DASH && s.charCodeAt(f + 1) === SPACE)) unsure();
    let e = colon;
    while (e > f && s.charCodeAt(e - 1) === SPACE) e--;
    return plainValue(s.slice(f, e), true) as string;
  }

  /** A block sequence whose dashes are at column `col`, from the current line. */
  private parseSeq(col: number): unknown[] {
    if (++this.depth > MAX_DEPTH) unsure();
    this.count();
    const s = this.s;
    const out: unknown[] = [];
    const pmap = new Map<string | number, Position>();
    for (;;) {
      let v = this.ls + col + 1;
      while (v < this.le && s.charCodeAt(v) === SPACE) v++;
      let value: unknown;
      let pos: Position;
      if (v === this.le || s.charCodeAt(v) === HASH) {
        this.nextLine();
        this.skipToContent();
        if (this.atEnd() || this.ind <= col) unsure(); // an empty item
        pos = this.posAt(this.ls + this.ind);
        value = this.parseBlockNode(col);
      } else {
        pos = this.posAt(v);
        if (this.isDash(v)) unsure(); // `- - x`
        value = this.keyColon(v) >= 0 ? this.parseMap(v - this.ls, v) : this.parseScalar(col, v);
      }
      pmap.set(out.length, pos);
      out.push(value);
      if (this.atEnd() || this.ind < col) break;
      if (this.ind > col) unsure();
      if (!this.isDash(this.ls + this.ind)) break; // the mapping around a sequence at its key's indentation goes on
    }
    this.positions.set(out, pmap);
    this.depth--;
    return out;
  }

  /**
   * A scalar starting at `v` on the current line, inside a collection at column `parentCol`; leaves
   * the reader on the next line with content.
   */
  private parseScalar(parentCol: number, v: number): unknown {
    this.count();
    const s = this.s;
    const c = s.charCodeAt(v);
    if (c === SQUOTE || c === DQUOTE) {
      const q = this.quoted(v);
      if (!this.restIsBlank(q.end)) unsure();
      this.nextLine();
      this.skipToContent();
      return q.value;
    }
    if (c === PIPE) return this.literal(parentCol, v);
    // `:` and `?` start a plain scalar when a non-space follows (`- :\ProgramData'` is one, in SigmaHQ).
    const plainStart = (c === COLON || c === 63) && v + 1 < this.le && s.charCodeAt(v + 1) !== SPACE;
    if ((isIndicator(c) && !plainStart) || (c === DASH && this.isDash(v))) unsure();
    // A plain scalar: to a comment or the end of the line; `: ` would make it a key, which the real parser refuses here.
    const le = this.le;
    let end = le;
    let comment = false;
    for (let i = v; i < le; i++) {
      const ch = s.charCodeAt(i);
      if (ch === COLON) {
        if (i + 1 === le || s.charCodeAt(i + 1) === SPACE) unsure();
      } else if (ch === HASH && s.charCodeAt(i - 1) === SPACE) {
        end = i;
        comment = true;
        break;
      }
    }
    while (end > v && s.charCodeAt(end - 1) === SPACE) end--;
    let text = s.slice(v, end);
    this.nextLine();
    if (!comment) text = this.continuation(parentCol, text);
    this.skipToContent();
    return plainValue(text, false);
  }

  /** Folds the more-indented lines that continue a plain scalar (a line break is a space, each blank line a newline). */
  private continuation(parentCol: number, first: string): string {
    const s = this.s;
    let text = first;
    let blanks = 0;
    while (!this.eof) {
      const f = this.ls + this.ind;
      if (f === this.le) {
        blanks++;
        this.nextLine();
        continue;
      }
      if (this.ind <= parentCol || s.charCodeAt(f) === HASH) break;
      const c = s.charCodeAt(f);
      if (isIndicator(c) || c === SQUOTE || c === DQUOTE || c === DASH) unsure();
      let end = this.le;
      for (let i = f; i < end; i++) {
        const ch = s.charCodeAt(i);
        if ((ch === COLON && (i + 1 === end || s.charCodeAt(i + 1) === SPACE)) || (ch === HASH && s.charCodeAt(i - 1) === SPACE)) unsure();
      }
      while (end > f && s.charCodeAt(end - 1) === SPACE) end--;
      text += (blanks === 0 ? ' ' : '\n'.repeat(blanks)) + s.slice(f, end);
      blanks = 0;
      this.nextLine();
    }
    return text;
  }

  /** A `|` literal block scalar (clip chomping, indentation found from its first line), header at `v`. */
  private literal(parentCol: number, v: number): string {
    if (!this.restIsBlank(v + 1)) unsure(); // `|-`, `|+`, `|2`...
    const s = this.s;
    const lines: string[] = [];
    let indent = -1;
    let leadingBlank = 0;
    this.nextLine();
    while (!this.eof) {
      const blank = this.ls + this.ind === this.le;
      if (blank) {
        if (indent < 0) leadingBlank = Math.max(leadingBlank, this.ind);
        else if (this.ind > indent) unsure(); // spaces kept as content
        lines.push('');
        this.nextLine();
        continue;
      }
      if (indent < 0) {
        indent = this.ind;
        if (indent <= parentCol || leadingBlank > indent) unsure();
      }
      if (this.ind < indent) break;
      if (this.le === this.n) unsure(); // no line break after the last line
      lines.push(s.slice(this.ls + indent, this.le));
      this.nextLine();
    }
    if (indent < 0) unsure();
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    this.skipToContent();
    return `${lines.join('\n')}\n`;
  }

  /** A quoted scalar opening at `f`, closed on the same line: its value and the index after it. */
  private quoted(f: number): { value: string; end: number } {
    const s = this.s;
    const end = this.quotedEnd(f);
    if (end < 0) unsure(); // spans lines (folding rules): the real parser
    const body = s.slice(f + 1, end - 1);
    if (s.charCodeAt(f) === SQUOTE) return { value: body.includes("'") ? body.replaceAll("''", "'") : body, end };
    if (!body.includes('\\')) return { value: body, end };
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const ch = body[i] as string;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const e = body[++i] ?? '';
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        continue;
      }
      const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      const hex = body.slice(i + 1, i + 1 + len);
      if (len === 0 || hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) unsure();
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) unsure();
      out += String.fromCodePoint(code);
      i += len;
    }
    return { value: out, end };
  }
}
