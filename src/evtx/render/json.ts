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
 */
import type { Element, XNode } from '../binxml/tokens.ts';
import { isOptionalEmpty, jsonScalar, valueText } from '../binxml/values.ts';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const MAX_UNIQUE_NAMES = 64;

function hasText(nodes: readonly XNode[]): boolean {
  for (const n of nodes) {
    if (typeof n === 'string') {
      if (n !== '') return true;
    } else if (n.k === 3) {
      if (!isOptionalEmpty(n)) return true;
    } else if (n.k === 5 || n.k === 6 || n.k === 7) {
      if (n.k !== 7 || n.text !== '') return true;
    }
  }
  return false;
}

function hasElementChild(el: Element): boolean {
  for (const n of el.children) if (typeof n === 'object' && n.k === 1) return true;
  return false;
}

/** Text content of `nodes`, elements skipped. */
export function textOf(nodes: readonly XNode[]): string {
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
function contentValue(nodes: readonly XNode[]): JsonValue {
  if (nodes.length === 1) {
    const n = nodes[0]!;
    if (typeof n === 'object' && n.k === 3) {
      const j = jsonScalar(n);
      if (j !== undefined) return j;
    }
  }
  return textOf(nodes);
}

/** As {@link contentValue}, but elements and empty nodes do not count. */
function contentValueSkipElements(nodes: readonly XNode[]): JsonValue {
  let single: XNode | undefined;
  let ok = true;
  for (const n of nodes) {
    if (typeof n === 'string') {
      if (n !== '') ok = false;
    } else if (n.k === 1 || n.k === 8 || n.k === 9) {
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
  if (ok && single !== undefined && typeof single === 'object' && single.k === 3) {
    const j = jsonScalar(single);
    if (j !== undefined) return j;
  }
  return textOf(nodes);
}

function nameAttr(el: Element): readonly XNode[] | undefined {
  for (const a of el.attrs) if (a.name === 'Name') return a.value;
  return undefined;
}

function dataValue(el: Element): JsonValue {
  const elemChild = hasElementChild(el);
  if (!elemChild && !hasText(el.children)) return '';
  return elemChild ? body(el, false) : contentValue(el.children);
}

function elementValue(el: Element, container: boolean): JsonValue {
  const elemChild = hasElementChild(el);
  const text = hasText(el.children);
  let attrText = false;
  for (const a of el.attrs) if (hasText(a.value)) { attrText = true; break; }
  if (!elemChild && !text && !attrText) return null;
  if (!elemChild && !attrText) return contentValue(el.children);
  return body(el, container);
}

function body(el: Element, dataContainer: boolean): JsonObject {
  const obj: JsonObject = {};
  let attrs: JsonObject | undefined;
  for (const a of el.attrs) {
    if (!hasText(a.value)) continue;
    attrs ??= {};
    attrs[a.name] = contentValue(a.value);
  }
  if (attrs !== undefined) obj['#attributes'] = attrs;
  if (hasText(el.children)) obj['#text'] = contentValueSkipElements(el.children);

  let flatten = false;
  let positional = 0;
  if (dataContainer) {
    for (const n of el.children) {
      if (typeof n !== 'object' || n.k !== 1 || n.name !== 'Data') continue;
      positional++;
      const na = nameAttr(n);
      if (na !== undefined && hasText(na)) flatten = true;
    }
  }
  let positionalDone = false;
  const counts = new Map<string, number>();
  for (const n of el.children) {
    if (typeof n !== 'object' || n.k !== 1) continue;
    if (dataContainer && n.name === 'Data') {
      if (flatten) {
        const na = nameAttr(n);
        if (na === undefined || !hasText(na)) continue;
        obj[textOf(na)] = dataValue(n);
      } else if (!positionalDone) {
        positionalDone = true;
        if (positional === 1) obj['Data'] = { '#text': dataValue(n) };
        else {
          const all: JsonValue[] = [];
          for (const m of el.children) if (typeof m === 'object' && m.k === 1 && m.name === 'Data') all.push(dataValue(m));
          obj['Data'] = { '#text': all };
        }
      }
      continue;
    }
    let suffix = 0;
    const seen = counts.get(n.name);
    if (seen !== undefined) {
      suffix = seen;
      counts.set(n.name, seen + 1);
    } else if (counts.size < MAX_UNIQUE_NAMES) counts.set(n.name, 1);
    const key = suffix > 0 ? `${n.name}_${suffix}` : n.name;
    obj[key] = elementValue(n, n.name === 'EventData' || n.name === 'UserData');
  }
  return obj;
}

/** `{ [root.name]: … }` for a resolved record tree. */
export function renderJson(root: Element): JsonObject {
  return { [root.name]: elementValue(root, false) };
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
