/**
 * The evtx crate's JSON shape (its `ir_json.rs` renderer, the one `evtx_dump -o json` uses):
 *
 * - an element becomes a key; with no attributes, children or text it is `null`;
 * - text-only elements become their value: a single integer/boolean value stays a JSON number/
 *   boolean, anything else is the concatenated text;
 * - otherwise an object: `#attributes` (attributes with non-empty values), `#text` (non-element
 *   content), then child elements; repeated child names get `_1`, `_2`… suffixes;
 * - inside `EventData`/`UserData`, `Data` elements with a non-empty `Name` attribute become
 *   `Name: value` (an empty value is `""`); unnamed `Data` elements become
 *   `Data: { "#text": value | [values] }`.
 *
 * Integers beyond 2^53 are bigints so no digit is lost; {@link stringifyJson} writes them exactly.
 *
 * The renderer works on a resolved tree, or, faster, straight on a cached template definition with
 * one record's substitution values (a {@link Scope}): substitutions are looked up where they are
 * met (see `expand`), nested BinXML values are bound to their own template the same way, so the
 * usual record needs no tree of its own. Records needing element repetition (array values) take
 * the resolved-tree path.
 */
import { EvtxFormatError } from '../bytes.ts';
import { MAX_DEPTH, parseTokens } from '../binxml/tokens.ts';
import type { ChunkContext, Element, XNode } from '../binxml/tokens.ts';
import { renderableInPlace, resolveNodes } from '../binxml/tree.ts';
import type { Budget } from '../binxml/tree.ts';
import { VT, isOptionalEmpty, jsonScalar, valueText } from '../binxml/values.ts';
import type { BinValue, NestedBinXml } from '../binxml/values.ts';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const MAX_UNIQUE_NAMES = 64;

/** Where substitutions are looked up: a record's values (null for a resolved tree). */
export interface Scope {
  readonly vals: readonly BinValue[] | null;
  readonly ctx: ChunkContext | null;
  readonly depth: number;
  readonly budget: Budget;
}

/** An element of a nested BinXML value, rendered with that value's own substitutions. */
interface Bound {
  readonly k: 10;
  readonly el: Element;
  readonly sc: Scope;
}

type RNode = XNode | Bound;

const RESOLVED: Scope = { vals: null, ctx: null, depth: 0, budget: { left: Infinity } };

/** A nested BinXML value as nodes: bound to its own template when possible, else resolved. */
function nestedNodes(v: BinValue, sc: Scope, out: RNode[]): void {
  const { off, size } = v.v as NestedBinXml;
  if (size === 0 || sc.ctx === null) return;
  if (--sc.budget.left < 0) throw new EvtxFormatError('too-large', 'record expands to too much content', off);
  if (sc.depth >= MAX_DEPTH) throw new EvtxFormatError('too-deep', 'BinXML values nested too deep', off);
  const { nodes } = parseTokens(sc.ctx, off, off + size, sc.depth + 1);
  const only = nodes.length === 1 ? nodes[0] : undefined;
  if (only !== undefined && typeof only === 'object' && only.k === 4 && only.def.flatRoot !== null && renderableInPlace(only.values)) {
    out.push({ k: 10, el: only.def.flatRoot, sc: { vals: only.values, ctx: sc.ctx, depth: sc.depth + 1, budget: sc.budget } });
    return;
  }
  const resolved: XNode[] = [];
  resolveNodes(sc.ctx, nodes, null, resolved, sc.depth + 1, sc.budget);
  for (const n of resolved) out.push(n);
}

/**
 * `nodes` as the resolved tree would hold them: substitutions replaced by their values (strings
 * as text), empty optional ones dropped, nested BinXML expanded. No copy when nothing changes.
 */
function expand(nodes: readonly XNode[], sc: Scope): readonly RNode[] {
  if (sc.vals === null) return nodes;
  let i = 0;
  while (i < nodes.length) {
    const n = nodes[i]!;
    if (typeof n === 'object' && n.k === 2) break;
    i++;
  }
  if (i === nodes.length) return nodes;
  const out: RNode[] = nodes.slice(0, i);
  for (; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (typeof n !== 'object' || n.k !== 2) {
      out.push(n);
      continue;
    }
    const v = sc.vals[n.id];
    if (v === undefined || (n.optional && isOptionalEmpty(v))) continue;
    if (v.t === VT.String) out.push(v.v as string);
    else if (v.t === VT.BinXml) nestedNodes(v, sc, out);
    else out.push(v);
  }
  return out;
}

function isElement(n: RNode): n is Element | Bound {
  return typeof n === 'object' && (n.k === 1 || n.k === 10);
}

function hasText(nodes: readonly RNode[]): boolean {
  for (const n of nodes) {
    if (typeof n === 'string') {
      if (n !== '') return true;
    } else if (n.k === 3) {
      if (!isOptionalEmpty(n)) return true;
    } else if (n.k === 5 || n.k === 6) return true;
    else if (n.k === 7 && n.text !== '') return true;
  }
  return false;
}

function hasElementChild(nodes: readonly RNode[]): boolean {
  for (const n of nodes) if (isElement(n)) return true;
  return false;
}

/** Text content of `nodes`, elements skipped. */
function textOf(nodes: readonly RNode[]): string {
  if (nodes.length === 1 && typeof nodes[0] === 'string') return nodes[0];
  let s = '';
  for (const n of nodes) {
    if (typeof n === 'string') s += n;
    else if (n.k === 3) s += valueText(n);
    else if (n.k === 7) s += n.text;
    else if (n.k === 6) s += `&#${n.code};`;
    else if (n.k === 5) s += `&${n.name};`;
  }
  return s;
}

/** A lone integer/boolean value as a JSON number/boolean, else the text. */
function contentValue(nodes: readonly RNode[]): JsonValue {
  if (nodes.length === 1) {
    const n = nodes[0]!;
    if (typeof n === 'string') return n;
    if (n.k === 3) {
      const j = jsonScalar(n);
      if (j !== undefined) return j;
    }
  }
  return textOf(nodes);
}

/** As {@link contentValue}, but elements and empty nodes do not count. */
function contentValueSkipElements(nodes: readonly RNode[]): JsonValue {
  let single: BinValue | undefined;
  let ok = true;
  for (const n of nodes) {
    if (typeof n === 'string') {
      if (n !== '') ok = false;
    } else if (n.k === 1 || n.k === 10 || n.k === 8 || n.k === 9) {
      continue;
    } else if (n.k === 3) {
      if (isOptionalEmpty(n)) continue;
      if (single !== undefined) ok = false;
      single = n;
    } else if (n.k === 7) {
      if (n.text !== '') ok = false;
    } else ok = false;
    if (!ok) break;
  }
  if (ok && single !== undefined) {
    const j = jsonScalar(single);
    if (j !== undefined) return j;
  }
  return textOf(nodes);
}

function nameAttr(el: Element, sc: Scope): readonly RNode[] | undefined {
  for (const a of el.attrs) if (a.name === 'Name') return expand(a.value, sc);
  return undefined;
}

function dataValue(el: Element, sc: Scope): JsonValue {
  const kids = expand(el.children, sc);
  const elemChild = hasElementChild(kids);
  if (!elemChild && !hasText(kids)) return '';
  return elemChild ? body(el, kids, false, sc) : contentValue(kids);
}

function elementValue(el: Element, container: boolean, sc: Scope): JsonValue {
  const kids = expand(el.children, sc);
  const elemChild = hasElementChild(kids);
  let attrText = false;
  for (const a of el.attrs) {
    if (hasText(expand(a.value, sc))) {
      attrText = true;
      break;
    }
  }
  if (!elemChild && !attrText) return hasText(kids) ? contentValue(kids) : null;
  return body(el, kids, container, sc);
}

function body(el: Element, kids: readonly RNode[], dataContainer: boolean, sc: Scope): JsonObject {
  const obj: JsonObject = {};
  let attrs: JsonObject | undefined;
  for (const a of el.attrs) {
    const value = expand(a.value, sc);
    if (!hasText(value)) continue;
    attrs ??= {};
    attrs[a.name] = contentValue(value);
  }
  if (attrs !== undefined) obj['#attributes'] = attrs;
  if (hasText(kids)) obj['#text'] = contentValueSkipElements(kids);

  let flatten = false;
  let positional = 0;
  if (dataContainer) {
    for (const n of kids) {
      if (!isElement(n)) continue;
      const cel = n.k === 10 ? n.el : n;
      if (cel.name !== 'Data') continue;
      const csc = n.k === 10 ? n.sc : sc;
      positional++;
      const na = nameAttr(cel, csc);
      if (na !== undefined && hasText(na)) flatten = true;
    }
  }
  let positionalDone = false;
  let counts: Map<string, number> | undefined;
  for (const n of kids) {
    if (!isElement(n)) continue;
    const cel = n.k === 10 ? n.el : n;
    const csc = n.k === 10 ? n.sc : sc;
    if (dataContainer && cel.name === 'Data') {
      if (flatten) {
        const na = nameAttr(cel, csc);
        if (na === undefined || !hasText(na)) continue;
        obj[textOf(na)] = dataValue(cel, csc);
      } else if (!positionalDone) {
        positionalDone = true;
        if (positional === 1) obj['Data'] = { '#text': dataValue(cel, csc) };
        else {
          const all: JsonValue[] = [];
          for (const m of kids) {
            if (!isElement(m)) continue;
            if (m.k === 10) {
              if (m.el.name === 'Data') all.push(dataValue(m.el, m.sc));
            } else if (m.name === 'Data') all.push(dataValue(m, sc));
          }
          obj['Data'] = { '#text': all };
        }
      }
      continue;
    }
    counts ??= new Map<string, number>();
    let suffix = 0;
    const seen = counts.get(cel.name);
    if (seen !== undefined) {
      suffix = seen;
      counts.set(cel.name, seen + 1);
    } else if (counts.size < MAX_UNIQUE_NAMES) counts.set(cel.name, 1);
    const key = suffix > 0 ? `${cel.name}_${suffix}` : cel.name;
    obj[key] = elementValue(cel, cel.name === 'EventData' || cel.name === 'UserData', csc);
  }
  return obj;
}

/**
 * `{ [root.name]: … }` for a resolved record tree, or for a template definition's root element
 * with one record's substitution values (`scope`).
 */
export function renderJson(root: Element, scope: Scope = RESOLVED): JsonObject {
  return { [root.name]: elementValue(root, false, scope) };
}

/** JSON text for a value from {@link renderJson}; bigints are written as exact integers. */
export function stringifyJson(v: JsonValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
    default: break;
  }
  if (Array.isArray(v)) return '[' + v.map(stringifyJson).join(',') + ']';
  let s = '{';
  let first = true;
  for (const k in v) {
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + stringifyJson(v[k]!);
    first = false;
  }
  return s + '}';
}
