/**
 * What changed for one technique between two ATT&CK versions of a domain: each field of the page
 * model compared (name, description, tactics, platforms), and the linked nodes added or removed per
 * section (sub-techniques, mitigations, data components, detection strategies, procedures).
 */
import { isStixId } from '../core/attack.ts';
import type { NodeRef } from './lookup.ts';
import type { TechniquePage } from './technique-page.ts';

export interface FieldChange {
  readonly field: 'name' | 'description' | 'tactics' | 'platforms' | 'deprecated';
  readonly before: string;
  readonly after: string;
}

export interface SectionChange {
  readonly section: 'subtechniques' | 'mitigations' | 'dataComponents' | 'detectionStrategies' | 'procedures';
  readonly title: string;
  readonly added: NodeRef[];
  readonly removed: NodeRef[];
  /** In both versions, but the relationship's text changed (how a group uses it, how a mitigation applies). */
  readonly changed: NodeRef[];
}

export interface TechniqueChanges {
  readonly id: string;
  readonly name: string;
  readonly domain: string;
  readonly from: { readonly attackVersion: string; readonly present: boolean };
  readonly to: { readonly attackVersion: string; readonly present: boolean };
  readonly fields: FieldChange[];
  readonly sections: SectionChange[];
  /** Nothing differs. */
  readonly unchanged: boolean;
}

interface Keyed extends NodeRef {
  readonly text?: string;
}

/**
 * Added, removed and changed links of one section. Objects match by ATT&CK ID; one without an
 * ATT&CK ID (15.1's data components, known only by STIX id) matches by name, so the same component
 * before and after it got its DC ID is neither removed nor added.
 */
function diff(section: SectionChange['section'], title: string, before: readonly Keyed[], after: readonly Keyed[]): SectionChange {
  const byName = (x: Keyed): string => `name:${x.name.trim().toLowerCase()}`;
  const oldById = new Map(before.map((x) => [x.id, x]));
  const nowById = new Map(after.map((x) => [x.id, x]));
  const oldByName = new Map(before.map((x) => [byName(x), x]));
  const nowByName = new Map(after.map((x) => [byName(x), x]));
  const counterpart = (x: Keyed, ids: Map<string, Keyed>, names: Map<string, Keyed>): Keyed | undefined => {
    const same = ids.get(x.id);
    if (same !== undefined) return same;
    const named = names.get(byName(x));
    return named !== undefined && (isStixId(x.id) || isStixId(named.id)) ? named : undefined;
  };
  const ref = (x: Keyed): NodeRef => ({ id: x.id, name: x.name });
  return {
    section,
    title,
    added: after.filter((x) => counterpart(x, oldById, oldByName) === undefined).map(ref),
    removed: before.filter((x) => counterpart(x, nowById, nowByName) === undefined).map(ref),
    changed: after.filter((x) => {
      const was = counterpart(x, oldById, oldByName);
      return was !== undefined && (was.text ?? '') !== (x.text ?? '');
    }).map(ref),
  };
}

const list = (xs: readonly string[]): string => xs.join(', ');
/** Citation numbers depend on the page's reading order; compare descriptions without them. */
const noCitations = (text: string): string => text.replace(/\[\d{1,4}\]/g, '').replace(/\s+/g, ' ').trim();

export function techniqueChanges(before: TechniquePage | null, after: TechniquePage | null, fromVersion: string, toVersion: string): TechniqueChanges {
  const a = before;
  const b = after;
  const fields: FieldChange[] = [];
  const field = (name: FieldChange['field'], x: string, y: string): void => {
    if (x !== y) fields.push({ field: name, before: x, after: y });
  };
  field('name', a?.name ?? '', b?.name ?? '');
  if (noCitations(a?.description ?? '') !== noCitations(b?.description ?? '')) fields.push({ field: 'description', before: a?.description ?? '', after: b?.description ?? '' });
  field('tactics', list((a?.tactics ?? []).map((t) => t.name)), list((b?.tactics ?? []).map((t) => t.name)));
  field('platforms', list(a?.platforms ?? []), list(b?.platforms ?? []));
  field('deprecated', String(a?.deprecated ?? false), String(b?.deprecated ?? false));
  const sections = [
    diff('subtechniques', 'Sub-techniques', a?.subtechniques ?? [], b?.subtechniques ?? []),
    diff(
      'mitigations',
      'Mitigations',
      (a?.mitigations ?? []).map((m) => ({ id: m.id, name: m.name, text: noCitations(m.usage) })),
      (b?.mitigations ?? []).map((m) => ({ id: m.id, name: m.name, text: noCitations(m.usage) })),
    ),
    diff('dataComponents', 'Data components', a?.detection.dataComponents ?? [], b?.detection.dataComponents ?? []),
    diff('detectionStrategies', 'Detection strategies', a?.detection.strategies ?? [], b?.detection.strategies ?? []),
    diff(
      'procedures',
      'Procedure examples',
      (a?.procedures ?? []).map((p) => ({ id: p.id, name: p.name, text: noCitations(p.description) })),
      (b?.procedures ?? []).map((p) => ({ id: p.id, name: p.name, text: noCitations(p.description) })),
    ),
  ];
  const page = b ?? a;
  return {
    id: page?.id ?? '',
    name: page?.name ?? '',
    domain: page?.domain ?? '',
    from: { attackVersion: fromVersion, present: a !== null },
    to: { attackVersion: toVersion, present: b !== null },
    fields,
    sections,
    unchanged: a !== null && b !== null && fields.length === 0 && sections.every((s) => s.added.length + s.removed.length + s.changed.length === 0),
  };
}
