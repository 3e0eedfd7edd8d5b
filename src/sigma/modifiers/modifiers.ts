/**
 * Value modifiers: the registry (name -> what it does) and `buildItem`, which applies a field's
 * modifier chain left to right to its YAML values and yields typed SigmaValues. Every problem
 * (unknown modifier, bad combination, bad regex, bad CIDR, wildcard under base64...) is a
 * SigmaBuildError with a code, so a rule fails to load loudly instead of matching silently wrong.
 */
import { SigmaBuildError, showValue, type Position } from '../issues.ts';
import { ANY, ONE, wrapAny, type DetectionItem, type SigmaValue, type StringPart, type TimePart } from '../rule/model.ts';
import { compileCidr } from './cidr.ts';
import { RegexTranslationError } from './regex.ts';
import { checkLinearRegex } from './linear-regex.ts';

type ModifierKind = 'flag' | 'string' | 'encode' | 'type' | 'reflag';

/** The registry. `utf16le` is the spec's name (pySigma only knows `wide`); we accept both. */
export const MODIFIERS = {
  contains: 'string',
  startswith: 'string',
  endswith: 'string',
  windash: 'string',
  base64: 'encode',
  base64offset: 'encode',
  utf16le: 'encode',
  wide: 'encode',
  utf16be: 'encode',
  utf16: 'encode',
  all: 'flag',
  cased: 'flag',
  neq: 'flag',
  expand: 'flag',
  exists: 'type',
  re: 'type',
  cidr: 'type',
  lt: 'type',
  lte: 'type',
  gt: 'type',
  gte: 'type',
  fieldref: 'type',
  minute: 'type',
  hour: 'type',
  day: 'type',
  week: 'type',
  month: 'type',
  year: 'type',
  i: 'reflag',
  ignorecase: 'reflag',
  m: 'reflag',
  multiline: 'reflag',
  s: 'reflag',
  dotall: 'reflag',
} as const satisfies Record<string, ModifierKind>;

export type ModifierName = keyof typeof MODIFIERS;

export function isModifier(name: string): name is ModifierName {
  return Object.hasOwn(MODIFIERS, name);
}

/** Parses a Sigma string value into parts: `*`/`?` wildcards, backslash escapes as pySigma's SigmaString. */
export function parseSigmaString(s: string, expand = false): StringPart[] {
  const parts: StringPart[] = [];
  // Literal text is taken as slices of `s` (from `from` up to the next escape or wildcard), not
  // character by character: a string grown one character at a time is a chain of as many
  // string nodes, to allocate and later flatten (SigmaHQ's windows rules: 700,000 characters).
  let lit = '';
  let from = 0;
  const take = (end: number): void => {
    if (end > from) lit += s.slice(from, end);
  };
  const flush = (end: number): void => {
    take(end);
    if (lit !== '') parts.push(lit);
    lit = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const n = s[i + 1];
      if (n === '*' || n === '?' || n === '\\' || (expand && n === '%')) {
        take(i);
        lit += n;
        i++;
        from = i + 1;
      } // else the backslash is literal text
    } else if (c === '*') {
      flush(i);
      parts.push(ANY);
      from = i + 1;
    } else if (c === '?') {
      flush(i);
      parts.push(ONE);
      from = i + 1;
    } else if (expand && c === '%') {
      const end = s.indexOf('%', i + 1);
      const name = end > i + 1 ? s.slice(i + 1, end) : '';
      if (end > 0 && /^[A-Za-z0-9_.-]+$/.test(name)) {
        flush(i);
        parts.push({ placeholder: name });
        i = end;
        from = end + 1;
      } // else the % is literal text
    }
  }
  flush(s.length);
  return parts;
}

function hasWildcard(parts: readonly StringPart[]): boolean {
  return parts.some((p) => typeof p !== 'string');
}
function plainText(parts: readonly StringPart[], what: string, pos: Position | undefined): string {
  if (hasWildcard(parts)) throw new SigmaBuildError('invalid-modifier', `${what} cannot be applied to a value with wildcards or placeholders`, pos);
  return (parts as string[]).join('');
}

/** Working value while the chain is applied: a pattern, or bytes (after utf16*). */
type Work = { readonly kind: 'str'; readonly parts: StringPart[] } | { readonly kind: 'bytes'; readonly bytes: Buffer };

function asParts(w: Work): StringPart[] {
  return w.kind === 'str' ? w.parts : [w.bytes.toString('latin1')];
}

const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'];
const WINDASH_LIMIT = 5 ** 5;

/** pySigma's windash: every `-` or `/` at `\B[-/]\b` (start of a flag) becomes each of the 5 dash forms. */
export function windashVariants(parts: readonly StringPart[]): StringPart[][] {
  // Flatten to text with a non-word stand-in for wildcards so \B and \b see the right neighbours.
  const text = parts.map((p) => (typeof p === 'string' ? p : '\u0000')).join('');
  const positions: number[] = [];
  const re = /\B[-/]\b/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) positions.push(m.index);
  if (positions.length === 0) return [parts.slice()];
  if (5 ** positions.length > WINDASH_LIMIT) throw new SigmaBuildError('invalid-modifier', `windash: ${positions.length} dashes would make ${5 ** positions.length} variants (limit ${WINDASH_LIMIT})`);
  const out: StringPart[][] = [];
  const total = 5 ** positions.length;
  for (let v = 0; v < total; v++) {
    let k = v;
    const chars = text.split('');
    for (const p of positions) {
      chars[p] = WINDASH_CHARS[k % 5] ?? '-';
      k = Math.floor(k / 5);
    }
    // Rebuild parts from the characters, keeping wildcards and placeholders.
    const rebuilt: StringPart[] = [];
    let idx = 0;
    for (const p of parts) {
      if (typeof p === 'string') {
        rebuilt.push(chars.slice(idx, idx + p.length).join(''));
        idx += p.length;
      } else {
        rebuilt.push(p);
        idx += 1;
      }
    }
    out.push(rebuilt);
  }
  return out;
}

/** pySigma's base64offset: the three encodings at byte offsets 0/1/2 with the unstable edge chars trimmed. */
export function base64OffsetVariants(bytes: Buffer): string[] {
  const out: string[] = [];
  const startTrim = [0, 2, 3];
  const endTrim = [0, 3, 2];
  for (let i = 0; i < 3; i++) {
    const b64 = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    const end = endTrim[(bytes.length + i) % 3] ?? 0;
    out.push(b64.slice(startTrim[i] ?? 0, end === 0 ? b64.length : b64.length - end));
  }
  return out;
}

function utf16(text: string, mode: 'le' | 'be' | 'bom'): Buffer {
  const le = Buffer.from(text, 'utf16le');
  if (mode === 'le') return le;
  if (mode === 'bom') return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  const be = Buffer.alloc(le.length);
  for (let i = 0; i + 1 < le.length; i += 2) {
    be[i] = le[i + 1] ?? 0;
    be[i + 1] = le[i] ?? 0;
  }
  return be;
}

const TIME_PARTS = new Set<string>(['minute', 'hour', 'day', 'week', 'month', 'year']);
const COMPARE = new Set<string>(['lt', 'lte', 'gt', 'gte']);

/**
 * Builds one detection item from `field|mod1|mod2: values`. `field` is null for keywords.
 */
export function buildItem(field: string | null, modifiers: readonly string[], rawValues: readonly unknown[], pos: Position | undefined): DetectionItem {
  for (const m of modifiers) {
    if (!isModifier(m)) throw new SigmaBuildError('unknown-modifier', `unknown modifier '${m}'`, pos);
  }
  const mods = modifiers as readonly ModifierName[];
  const has = (m: ModifierName): boolean => mods.includes(m);
  const types = mods.filter((m) => MODIFIERS[m] === 'type');
  const all = has('all');
  const neq = has('neq');
  const cased = has('cased');
  const expand = has('expand');
  const common = { field, modifiers, all, neq, cased, pos };
  const reflags = mods.filter((m) => MODIFIERS[m] === 'reflag');
  if (types.length > 1) throw new SigmaBuildError('invalid-modifier', `modifiers ${types.join(', ')} cannot be combined`, pos);
  const type = types[0];
  if (reflags.length > 0 && type !== 're') throw new SigmaBuildError('invalid-modifier', `regex flag modifier '${reflags[0] ?? ''}' needs the re modifier`, pos);
  if (type !== undefined && type !== 'fieldref' && mods.some((m) => MODIFIERS[m] === 'string' || MODIFIERS[m] === 'encode')) {
    if (type !== 're' || mods.some((m) => MODIFIERS[m] === 'encode' || m === 'windash'))
      throw new SigmaBuildError('invalid-modifier', `modifier '${type}' cannot be combined with ${mods.filter((m) => MODIFIERS[m] === 'string' || MODIFIERS[m] === 'encode').join(', ')}`, pos);
  }
  if (field === null && type !== undefined && type !== 're') throw new SigmaBuildError('invalid-modifier', `modifier '${type}' needs a field`, pos);

  if (type === 'exists') {
    if (mods.length !== 1) throw new SigmaBuildError('invalid-modifier', 'exists cannot be combined with other modifiers', pos);
    const v = rawValues[0];
    if (rawValues.length !== 1 || typeof v !== 'boolean') throw new SigmaBuildError('invalid-value', 'exists takes one boolean value (true or false)', pos);
    return { ...common, values: [{ type: 'exists', value: v }] };
  }
  if (type === 're') {
    const flags = new Set<string>();
    for (const f of reflags) flags.add(f[0] ?? '');
    const values: SigmaValue[] = rawValues.map((v) => {
      if (typeof v !== 'string' && typeof v !== 'number') throw new SigmaBuildError('invalid-value', 're takes string values', pos);
      try {
        const checked = checkLinearRegex(String(v), [...flags].join(''));
        return { type: 'regex', source: String(v), ...checked };
      } catch (e) {
        if (e instanceof RegexTranslationError) throw new SigmaBuildError('invalid-regex', `invalid regular expression /${String(v)}/: ${e.message}`, pos);
        throw e;
      }
    });
    return { ...common, values };
  }
  if (type === 'cidr') {
    const values: SigmaValue[] = rawValues.map((v) => {
      const s = String(v);
      if (typeof v !== 'string' || compileCidr(s) === undefined) throw new SigmaBuildError('invalid-cidr', `invalid CIDR network '${s}'`, pos);
      return { type: 'cidr', cidr: s };
    });
    return { ...common, values };
  }
  if (type !== undefined && COMPARE.has(type)) {
    const values: SigmaValue[] = rawValues.map((v) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw new SigmaBuildError('invalid-value', `${type} needs a number, got '${String(v)}'`, pos);
      return { type: 'compare', op: type as 'lt' | 'lte' | 'gt' | 'gte', value: n };
    });
    return { ...common, values };
  }
  if (type !== undefined && TIME_PARTS.has(type)) {
    const values: SigmaValue[] = rawValues.map((v) => {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isInteger(n)) throw new SigmaBuildError('invalid-value', `${type} needs an integer, got '${String(v)}'`, pos);
      return { type: 'timepart', part: type as TimePart, value: n };
    });
    return { ...common, values };
  }
  if (type === 'fieldref') {
    const shape = mods.filter((m) => m === 'startswith' || m === 'endswith' || m === 'contains');
    if (shape.length > 1 || mods.some((m) => MODIFIERS[m] === 'encode' || m === 'windash'))
      throw new SigmaBuildError('invalid-modifier', 'fieldref combines only with one of contains/startswith/endswith, neq, all, cased', pos);
    const values: SigmaValue[] = rawValues.map((v) => {
      if (typeof v !== 'string' || v === '') throw new SigmaBuildError('invalid-value', 'fieldref takes field names', pos);
      return { type: 'fieldref', field: v, mode: shape[0] ?? 'eq' };
    });
    return { ...common, values };
  }

  // String patterns.
  const transforms = mods.filter((m) => MODIFIERS[m] === 'string' || MODIFIERS[m] === 'encode');
  const values: SigmaValue[] = [];
  for (const raw of rawValues) {
    if (raw === null) {
      if (transforms.length > 0) throw new SigmaBuildError('invalid-value', `null cannot be combined with ${transforms.join(', ')}`, pos);
      values.push({ type: 'null' });
      continue;
    }
    if (typeof raw === 'object') throw new SigmaBuildError('invalid-value', 'values must be scalars (string, number, boolean or null)', pos);
    const start: StringPart[] = typeof raw === 'string' ? parseSigmaString(raw, expand) : [showValue(raw)];
    let work: Work[] = [{ kind: 'str', parts: start }];
    for (const t of transforms) {
      const next: Work[] = [];
      for (const w of work) {
        switch (t) {
          case 'contains': {
            const p = asParts(w);
            next.push({ kind: 'str', parts: wrapAny(p) });
            break;
          }
          case 'startswith': {
            const p = asParts(w);
            next.push({ kind: 'str', parts: p[p.length - 1] === ANY ? p : [...p, ANY] });
            break;
          }
          case 'endswith': {
            const p = asParts(w);
            next.push({ kind: 'str', parts: p[0] === ANY ? p : [ANY, ...p] });
            break;
          }
          case 'windash':
            try {
              for (const v of windashVariants(asParts(w))) next.push({ kind: 'str', parts: v });
            } catch (e) {
              if (e instanceof SigmaBuildError) throw new SigmaBuildError(e.code, e.message, pos);
              throw e;
            }
            break;
          case 'base64': {
            const bytes = w.kind === 'bytes' ? w.bytes : Buffer.from(plainText(w.parts, 'base64', pos), 'utf8');
            next.push({ kind: 'str', parts: [bytes.toString('base64')] });
            break;
          }
          case 'base64offset': {
            const bytes = w.kind === 'bytes' ? w.bytes : Buffer.from(plainText(w.parts, 'base64offset', pos), 'utf8');
            for (const v of base64OffsetVariants(bytes)) next.push({ kind: 'str', parts: [v] });
            break;
          }
          case 'utf16le':
          case 'wide':
          case 'utf16be':
          case 'utf16': {
            if (w.kind === 'bytes') throw new SigmaBuildError('invalid-modifier', `${t} applied twice`, pos);
            const text = plainText(w.parts, t, pos);
            next.push({ kind: 'bytes', bytes: utf16(text, t === 'utf16be' ? 'be' : t === 'utf16' ? 'bom' : 'le') });
            break;
          }
          default:
            break;
        }
      }
      work = next;
    }
    for (const w of work) values.push({ type: 'string', parts: asParts(w) });
  }
  if (values.length === 0) throw new SigmaBuildError('invalid-value', 'empty value list', pos);
  return { ...common, values };
}
