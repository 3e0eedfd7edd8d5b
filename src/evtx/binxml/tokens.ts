/**
 * The BinXML token stream (MS-EVEN6 §2.2.12; libevtx "Binary XML"): tokens are read into a small
 * node tree. Template definitions keep their substitution placeholders ({@link Sub}); template
 * instances ({@link TemplateInstance}) pair a cached definition with the record's values.
 *
 * Node kinds (`k`): a plain string is text; 1 element, 2 substitution, 3 value, 4 template
 * instance, 5 entity reference, 6 character reference, 7 CDATA, 8 PI target, 9 PI data.
 *
 * Names and template definitions live at chunk offsets and are shared by many records, so each
 * chunk keeps a name cache and a template cache ({@link ChunkContext}).
 */
import { EvtxFormatError, u16, u32, u8, utf16 } from '../bytes.ts';
import type { ByteView } from '../bytes.ts';
import { readSizedValue, readValueToken } from './values.ts';
import type { BinValue } from './values.ts';

export interface Element {
  readonly k: 1;
  readonly name: string;
  readonly attrs: Attribute[];
  readonly children: XNode[];
}

export interface Attribute {
  readonly name: string;
  readonly value: XNode[];
}

export interface Sub {
  readonly k: 2;
  readonly id: number;
  readonly type: number;
  readonly optional: boolean;
}

export interface TemplateDefinition {
  readonly offset: number;
  readonly guid: string;
  readonly nodes: readonly XNode[];
  /** The first element of the definition, when it holds no nested template instance. */
  readonly flatRoot: Element | null;
}

function hasInstance(nodes: readonly XNode[]): boolean {
  for (const n of nodes) {
    if (typeof n !== 'object') continue;
    if (n.k === 4) return true;
    if (n.k === 1 && (hasInstance(n.children) || n.attrs.some((a) => hasInstance(a.value)))) return true;
  }
  return false;
}

export interface TemplateInstance {
  readonly k: 4;
  readonly def: TemplateDefinition;
  readonly values: readonly BinValue[];
}

export interface EntityRef { readonly k: 5; readonly name: string }
export interface CharRef { readonly k: 6; readonly code: number }
export interface CData { readonly k: 7; readonly text: string }
export interface PiTarget { readonly k: 8; readonly name: string }
export interface PiData { readonly k: 9; readonly text: string }

export type XNode = string | Element | Sub | BinValue | TemplateInstance | EntityRef | CharRef | CData | PiTarget | PiData;

/** Per-chunk state shared by all records of the chunk. */
export interface ChunkContext {
  readonly view: ByteView;
  readonly names: Map<number, string>;
  readonly templates: Map<number, TemplateDefinition>;
  /** Offsets of template definitions being parsed, to refuse self-reference. */
  readonly parsing: Set<number>;
}

export function chunkContext(view: ByteView): ChunkContext {
  return { view, names: new Map(), templates: new Map(), parsing: new Set() };
}

export const MAX_DEPTH = 64;

/** Name structure (libevtx "Name"): next offset u32, hash u16, length u16, UTF-16 chars, NUL. */
function readName(ctx: ChunkContext, off: number): string {
  const cached = ctx.names.get(off);
  if (cached !== undefined) return cached;
  const n = u16(ctx.view, off + 6, 'name.length');
  const s = utf16(ctx.view, off + 8, n, 'name');
  ctx.names.set(off, s);
  return s;
}

/** Reads the name at `nameOff`; when the name is stored inline right here, returns where it ends. */
function nameAt(ctx: ChunkContext, nameOff: number, pos: number): { name: string; pos: number } {
  const name = readName(ctx, nameOff);
  if (nameOff === pos) return { name, pos: pos + 8 + u16(ctx.view, pos + 6, 'name.length') * 2 + 2 };
  return { name, pos };
}

function hexGuid(v: ByteView, off: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += u8(v, off + i, 'template.guid').toString(16).padStart(2, '0');
  return s;
}

/** Template definition at `off` (libevtx "Template definition"): next u32, GUID, size u32, data. */
export function templateAt(ctx: ChunkContext, off: number, depth: number): TemplateDefinition {
  const cached = ctx.templates.get(off);
  if (cached !== undefined) return cached;
  if (ctx.parsing.has(off)) throw new EvtxFormatError('bad-token', `template at 0x${off.toString(16)} refers to itself`, off);
  const size = u32(ctx.view, off + 20, 'template.size');
  const start = off + 24;
  if (start + size > ctx.view.end) throw new EvtxFormatError('truncated', `template at 0x${off.toString(16)} of ${size} bytes runs past the chunk`, off);
  ctx.parsing.add(off);
  try {
    const { nodes } = parseTokens(ctx, start, start + size, depth + 1, true);
    const root = nodes.find((n): n is Element => typeof n === 'object' && n.k === 1);
    const flatRoot = root !== undefined && !hasInstance(nodes) ? root : null;
    const def: TemplateDefinition = { offset: off, guid: hexGuid(ctx.view, off + 4), nodes, flatRoot };
    ctx.templates.set(off, def);
    return def;
  } finally {
    ctx.parsing.delete(off);
  }
}

function templateInstance(ctx: ChunkContext, pos: number, depth: number): { node: TemplateInstance; pos: number } {
  const v = ctx.view;
  // u8 unknown, u32 template id, u32 definition offset
  const defOff = u32(v, pos + 6, 'template_instance.offset');
  pos += 10;
  let def: TemplateDefinition;
  if (defOff === pos) {
    const size = u32(v, pos + 20, 'template.size');
    def = templateAt(ctx, defOff, depth);
    pos += 24 + size;
  } else {
    def = templateAt(ctx, defOff, depth);
  }
  const count = u32(v, pos, 'template_instance.count');
  pos += 4;
  if (count * 4 > v.end - pos) throw new EvtxFormatError('too-large', `template instance claims ${count} values`, pos);
  let valOff = pos + count * 4;
  const values: BinValue[] = new Array<BinValue>(count);
  for (let i = 0; i < count; i++) {
    const size = u16(v, pos + i * 4, 'value_spec.size');
    const type = u8(v, pos + i * 4 + 2, 'value_spec.type');
    values[i] = readSizedValue(v, type, valOff, size);
    valOff += size;
  }
  return { node: { k: 4, def, values }, pos: valOff };
}

interface Open {
  el: Element;
  /** Attribute currently receiving value tokens, or null once the start tag is closed. */
  attr: Attribute | null;
  inStartTag: boolean;
}

/**
 * Parses tokens from `pos` until an end-of-fragment token or `end`. Returns the top-level nodes.
 *
 * `depIds`: whether open-start-element tokens carry the u16 dependency identifier. Only elements
 * of template definitions do; elements written directly in a record or in a nested BinXML value
 * (type 0x21, e.g. CAPI2's event 70 puts its whole `UserData` content there) start right with the
 * data size (libfwevt reads the identifier under a per-document flag; the evtx crate's
 * `has_dep_id` is true for template definitions only).
 */
export function parseTokens(ctx: ChunkContext, pos: number, end: number, depth: number, depIds = false): { nodes: XNode[]; pos: number } {
  if (depth > MAX_DEPTH) throw new EvtxFormatError('too-deep', 'BinXML nesting too deep', pos);
  const v = ctx.view;
  const top: XNode[] = [];
  const stack: Open[] = [];
  const add = (n: XNode): void => {
    const o = stack[stack.length - 1];
    if (o === undefined) top.push(n);
    else if (o.inStartTag) {
      if (o.attr === null) throw new EvtxFormatError('bad-token', 'content inside a start tag before any attribute', pos);
      o.attr.value.push(n);
    } else o.el.children.push(n);
  };
  while (pos < end) {
    const tok = u8(v, pos, 'token');
    const kind = tok & 0x0f;
    const more = (tok & 0x40) !== 0;
    if (tok & 0xb0) throw new EvtxFormatError('bad-token', `unknown token 0x${tok.toString(16)}`, pos);
    switch (kind) {
      case 0x00: // end of fragment
        if (stack.length > 0) throw new EvtxFormatError('bad-token', 'end of fragment inside an open element', pos);
        return { nodes: top, pos: pos + 1 };
      case 0x01: {
        // open start element: [u16 dependency id], u32 data size, u32 name offset, [name], [u32 attr size]
        if (stack.length >= MAX_DEPTH) throw new EvtxFormatError('too-deep', 'elements nested too deep', pos);
        const at = depIds ? pos + 7 : pos + 5;
        const nameOff = u32(v, at, 'element.name_offset');
        const r = nameAt(ctx, nameOff, at + 4);
        pos = r.pos + (more ? 4 : 0);
        const el: Element = { k: 1, name: r.name, attrs: [], children: [] };
        add(el);
        stack.push({ el, attr: null, inStartTag: true });
        continue;
      }
      case 0x02: { // close start element
        const o = stack[stack.length - 1];
        if (o === undefined || !o.inStartTag) throw new EvtxFormatError('bad-token', 'close-start-element outside a start tag', pos);
        o.inStartTag = false;
        o.attr = null;
        pos += 1;
        continue;
      }
      case 0x03: // close empty element
      case 0x04: { // end element
        const o = stack.pop();
        if (o === undefined || o.inStartTag !== (kind === 0x03)) throw new EvtxFormatError('bad-token', `unbalanced ${kind === 3 ? 'close-empty' : 'end'} element`, pos);
        pos += 1;
        continue;
      }
      case 0x05: { // value text
        const t = u8(v, pos + 1, 'value.type');
        const r = readValueToken(v, t, pos + 2);
        add(t === 0x01 ? (r.value.v as string) : r.value);
        pos += 2 + r.len;
        continue;
      }
      case 0x06: { // attribute
        const o = stack[stack.length - 1];
        if (o === undefined || !o.inStartTag) throw new EvtxFormatError('bad-token', 'attribute outside a start tag', pos);
        const nameOff = u32(v, pos + 1, 'attribute.name_offset');
        const r = nameAt(ctx, nameOff, pos + 5);
        const attr: Attribute = { name: r.name, value: [] };
        o.el.attrs.push(attr);
        o.attr = attr;
        pos = r.pos;
        continue;
      }
      case 0x07: { // CDATA
        const n = u16(v, pos + 1, 'cdata.length');
        add({ k: 7, text: utf16(v, pos + 3, n, 'cdata') });
        pos += 3 + n * 2;
        continue;
      }
      case 0x08: // character reference
        add({ k: 6, code: u16(v, pos + 1, 'charref') });
        pos += 3;
        continue;
      case 0x09: { // entity reference
        const nameOff = u32(v, pos + 1, 'entity.name_offset');
        const r = nameAt(ctx, nameOff, pos + 5);
        add({ k: 5, name: r.name });
        pos = r.pos;
        continue;
      }
      case 0x0a: { // PI target
        const nameOff = u32(v, pos + 1, 'pi.name_offset');
        const r = nameAt(ctx, nameOff, pos + 5);
        add({ k: 8, name: r.name });
        pos = r.pos;
        continue;
      }
      case 0x0b: { // PI data
        const n = u16(v, pos + 1, 'pidata.length');
        add({ k: 9, text: utf16(v, pos + 3, n, 'pidata') });
        pos += 3 + n * 2;
        continue;
      }
      case 0x0c: { // template instance
        const r = templateInstance(ctx, pos, depth);
        add(r.node);
        pos = r.pos;
        continue;
      }
      case 0x0d: // normal substitution
      case 0x0e: // optional substitution
        add({ k: 2, id: u16(v, pos + 1, 'substitution.id'), type: u8(v, pos + 3, 'substitution.type'), optional: kind === 0x0e });
        pos += 4;
        continue;
      case 0x0f: // fragment header: major, minor, flags
        pos += 4;
        continue;
      default:
        throw new EvtxFormatError('bad-token', `unknown token 0x${tok.toString(16)}`, pos);
    }
  }
  if (stack.length > 0) throw new EvtxFormatError('truncated', 'BinXML ends inside an open element', pos);
  return { nodes: top, pos };
}
