/**
 * Template instantiation (MS-EVEN6 §3.1.4.7 "Template instance"): substitutions are replaced by the
 * record's values, nested BinXML values are parsed in place, and array values repeat their
 * containing element once per item (§3.1.4.7.5), as the evtx crate's `array_expand.rs` does.
 *
 * Rules kept from the evtx crate: an out-of-range substitution id yields nothing; an optional
 * substitution with an empty value (null, "", empty binary/array/BinXML) yields nothing; string
 * values become text; an empty string item of an array expansion yields nothing.
 */
import { EvtxFormatError } from '../bytes.ts';
import { MAX_DEPTH, parseTokens } from './tokens.ts';
import type { Attribute, ChunkContext, Element, XNode } from './tokens.ts';
import { VT, arrayItem, isOptionalEmpty } from './values.ts';
import type { BinValue, NestedBinXml } from './values.ts';

/** At most this many elements, template instances and nested BinXML values per record. */
export const MAX_EXPANSION = 100_000;

export interface Budget {
  left: number;
}

export function resolveNodes(ctx: ChunkContext, nodes: readonly XNode[], values: readonly BinValue[] | null, out: XNode[], depth: number, budget: Budget): void {
  for (const n of nodes) {
    if (typeof n === 'string') {
      out.push(n);
      continue;
    }
    switch (n.k) {
      case 1:
        for (const e of resolveElement(ctx, n, values, depth, budget)) out.push(e);
        break;
      case 2: {
        const val = values?.[n.id];
        if (val === undefined) break;
        if (n.optional && isOptionalEmpty(val)) break;
        pushValue(ctx, val, out, depth, budget);
        break;
      }
      case 3:
        pushValue(ctx, n, out, depth, budget);
        break;
      case 4:
        if (--budget.left < 0) throw new EvtxFormatError('too-large', 'record expands to too much content', n.def.offset);
        if (depth >= MAX_DEPTH) throw new EvtxFormatError('too-deep', 'templates nested too deep', n.def.offset);
        resolveNodes(ctx, n.def.nodes, n.values, out, depth + 1, budget);
        break;
      default:
        out.push(n);
    }
  }
}

function pushValue(ctx: ChunkContext, val: BinValue, out: XNode[], depth: number, budget: Budget): void {
  if (val.t === VT.String) {
    out.push(val.v as string);
    return;
  }
  if (val.t === VT.BinXml) {
    const { off, size } = val.v as NestedBinXml;
    if (size === 0) return;
    if (--budget.left < 0) throw new EvtxFormatError('too-large', 'record expands to too much content', off);
    if (depth >= MAX_DEPTH) throw new EvtxFormatError('too-deep', 'BinXML values nested too deep', off);
    const { nodes } = parseTokens(ctx, off, off + size, depth + 1);
    resolveNodes(ctx, nodes, null, out, depth + 1, budget);
    return;
  }
  out.push(val);
}

function resolveElement(ctx: ChunkContext, el: Element, values: readonly BinValue[] | null, depth: number, budget: Budget): Element[] {
  if (--budget.left < 0) throw new EvtxFormatError('too-large', 'record expands to too many elements', 0);
  const attrs: Attribute[] = [];
  for (const a of el.attrs) {
    const value: XNode[] = [];
    resolveNodes(ctx, a.value, values, value, depth, budget);
    attrs.push({ name: a.name, value });
  }
  const children: XNode[] = [];
  resolveNodes(ctx, el.children, values, children, depth, budget);
  return expandArrays({ k: 1, name: el.name, attrs, children }, budget);
}

function isExpandable(n: XNode): n is BinValue {
  return typeof n === 'object' && n.k === 3 && (n.t & VT.ArrayFlag) !== 0 && (n.v as readonly unknown[]).length > 1;
}

function replacement(val: BinValue, i: number): XNode | null {
  const item = arrayItem(val, i);
  if (item.t === VT.String) return item.v === '' ? null : (item.v as string);
  return item;
}

/** Repeats `el` once per item of its first array value with more than one item; recursive. */
function expandArrays(el: Element, budget: Budget): Element[] {
  const ci = el.children.findIndex(isExpandable);
  let ai = -1;
  let ni = -1;
  if (ci < 0) {
    for (let i = 0; i < el.attrs.length && ai < 0; i++) {
      const j = el.attrs[i]!.value.findIndex(isExpandable);
      if (j >= 0) {
        ai = i;
        ni = j;
      }
    }
    if (ai < 0) return [el];
  }
  const arr = (ci >= 0 ? el.children[ci] : el.attrs[ai]!.value[ni]) as BinValue;
  const len = (arr.v as readonly unknown[]).length;
  budget.left -= len;
  if (budget.left < 0) throw new EvtxFormatError('too-large', 'record expands to too many elements', 0);
  const out: Element[] = [];
  for (let i = 0; i < len; i++) {
    const r = replacement(arr, i);
    const splice = (nodes: XNode[], at: number): XNode[] => {
      const copy = nodes.slice();
      if (r === null) copy.splice(at, 1);
      else copy[at] = r;
      return copy;
    };
    const attrs: Attribute[] = [];
    el.attrs.forEach((a, idx) => {
      if (idx !== ai) attrs.push(a);
      else {
        const value = splice(a.value, ni);
        if (value.length > 0) attrs.push({ name: a.name, value });
      }
    });
    const children = ci >= 0 ? splice(el.children, ci) : el.children;
    out.push(...expandArrays({ k: 1, name: el.name, attrs, children }, budget));
  }
  return out;
}

/** Resolves a record's BinXML nodes into a tree and returns its root element. */
export function resolveRecord(ctx: ChunkContext, nodes: readonly XNode[]): Element {
  const out: XNode[] = [];
  resolveNodes(ctx, nodes, null, out, 0, { left: MAX_EXPANSION });
  for (const n of out) if (typeof n === 'object' && n.k === 1) return n;
  throw new EvtxFormatError('bad-token', 'record has no root element', 0);
}

/** True when rendering straight from a template definition gives the resolved tree's result. */
export function renderableInPlace(values: readonly BinValue[]): boolean {
  for (const v of values) {
    if (v.t & VT.ArrayFlag && (v.v as readonly unknown[]).length > 1) return false;
  }
  return true;
}
