/**
 * Processing pipelines as data (pySigma's idea, evaluated on events instead of converted to queries).
 *
 *   Pipeline = {
 *     name,
 *     fieldMappings:  Sigma field -> event field names tried in order (first present wins)
 *     logsources:     [{ match: {product?, category?, service?}, conditions: [ConditionMap, ...] }]
 *                     every entry whose match fits the rule's logsource applies; entries are AND-ed,
 *                     the condition maps inside one entry are OR-ed (e.g. Sysmon EID 1 or Security 4688)
 *     fallback:       [ConditionMap, ...] for rules that no entry matches (e.g. cloud/linux rules must
 *                     not see Windows event-log records)
 *     eventAliases:   [{ when: ConditionMap, fields: {SigmaField: EventField} }] per-event renames
 *                     (Security 4688: Image -> NewProcessName, ...)
 *     placeholders:   name -> values for `|expand`; placeholderFallback 'wildcard' (pySigma's last resort) or 'error'
 *   }
 *   ConditionMap = { Field: value | [values] | null }   (values OR-ed, case-insensitive, `*` wildcard;
 *                                                        null = field absent; fields AND-ed)
 *
 * User pipelines are YAML files in the same shape (snake_case keys, see docs/formats/sigma.md) and are
 * layered over the default: a logsource entry with the same match replaces the default one.
 */
import type { Position, SigmaIssue } from '../issues.ts';
import { parseYamlDocuments } from '../parse/yaml.ts';

export type ConditionValue = string | number | boolean;
export type ConditionMap = Readonly<Record<string, ConditionValue | readonly ConditionValue[] | null>>;

export interface LogsourceMatch {
  readonly product?: string;
  readonly category?: string;
  readonly service?: string;
}

export interface LogsourceRoute {
  readonly match: LogsourceMatch;
  readonly conditions: readonly ConditionMap[];
}

export interface EventAlias {
  readonly when: ConditionMap;
  readonly fields: Readonly<Record<string, string>>;
}

export interface Pipeline {
  readonly name: string;
  readonly fieldMappings: Readonly<Record<string, readonly string[]>>;
  readonly logsources: readonly LogsourceRoute[];
  readonly fallback: readonly ConditionMap[];
  readonly eventAliases: readonly EventAlias[];
  readonly placeholders: Readonly<Record<string, readonly string[]>>;
  readonly placeholderFallback: 'wildcard' | 'error';
}

const matchKey = (m: LogsourceMatch): string => `${m.product ?? ''}|${m.category ?? ''}|${m.service ?? ''}`;

/** Layers `over` on `base`: mappings and placeholders per key, routes per logsource match, aliases appended. */
export function mergePipelines(base: Pipeline, over: Pipeline): Pipeline {
  const overKeys = new Set(over.logsources.map((r) => matchKey(r.match)));
  return {
    name: `${base.name}+${over.name}`,
    fieldMappings: { ...base.fieldMappings, ...over.fieldMappings },
    logsources: [...base.logsources.filter((r) => !overKeys.has(matchKey(r.match))), ...over.logsources],
    fallback: over.fallback.length > 0 ? over.fallback : base.fallback,
    eventAliases: [...base.eventAliases, ...over.eventAliases],
    placeholders: { ...base.placeholders, ...over.placeholders },
    placeholderFallback: over.placeholderFallback,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface PipelineParseResult {
  readonly pipeline: Pipeline | undefined;
  readonly issues: SigmaIssue[];
}

/** Parses a user pipeline YAML file. */
export function parsePipeline(text: string, file?: string): PipelineParseResult {
  const { documents, issues } = parseYamlDocuments(text, file);
  if (issues.length > 0) return { pipeline: undefined, issues };
  const doc = documents[0];
  const bad = (message: string, pos?: Position): PipelineParseResult => ({
    pipeline: undefined,
    issues: [{ code: 'invalid-pipeline', severity: 'error', message, ...(file !== undefined ? { file } : {}), ...(pos ?? doc?.pos ?? {}) }],
  });
  if (doc === undefined || !isObj(doc.value)) return bad('a pipeline must be a YAML map');
  const v = doc.value;
  const known = new Set(['name', 'field_mappings', 'logsources', 'fallback', 'event_aliases', 'placeholders', 'placeholder_fallback', 'description']);
  for (const k of Object.keys(v)) if (!known.has(k)) return bad(`unknown pipeline key '${k}' (expected ${[...known].join(', ')})`, doc.posOf(v, k));
  const fieldMappings: Record<string, string[]> = {};
  const fm = v['field_mappings'] ?? {};
  if (!isObj(fm)) return bad("'field_mappings' must map Sigma fields to event fields", doc.posOf(v, 'field_mappings'));
  for (const [k, t] of Object.entries(fm)) {
    const list = Array.isArray(t) ? t.map(String) : typeof t === 'string' ? [t] : undefined;
    if (list === undefined) return bad(`field mapping '${k}' must be a field name or a list of them`, doc.posOf(fm, k));
    fieldMappings[k] = list;
  }
  const condList = (x: unknown): ConditionMap[] | undefined => {
    const list = Array.isArray(x) ? x : [x];
    return list.every((c) => isObj(c) && Object.values(c).every(isCondValue)) ? (list as ConditionMap[]) : undefined;
  };
  const logsources: LogsourceRoute[] = [];
  const ls = v['logsources'] ?? [];
  if (!Array.isArray(ls)) return bad("'logsources' must be a list", doc.posOf(v, 'logsources'));
  for (const [i, e] of ls.entries()) {
    if (!isObj(e)) return bad('each logsources entry must be a map', doc.posOf(ls, i));
    const match: { product?: string; category?: string; service?: string } = {};
    for (const k of ['product', 'category', 'service'] as const) {
      const val = e[k];
      if (typeof val === 'string') match[k] = val.toLowerCase();
    }
    const conditions = condList(e['conditions']);
    if (conditions === undefined) return bad('logsources entry needs conditions: a map or list of maps of field: value|[values]|null', doc.posOf(ls, i));
    logsources.push({ match, conditions });
  }
  const fallback = v['fallback'] === undefined ? [] : condList(v['fallback']);
  if (fallback === undefined) return bad("'fallback' must be a map or list of maps", doc.posOf(v, 'fallback'));
  const eventAliases: EventAlias[] = [];
  const ea = v['event_aliases'] ?? [];
  if (!Array.isArray(ea)) return bad("'event_aliases' must be a list", doc.posOf(v, 'event_aliases'));
  for (const [i, e] of ea.entries()) {
    const when = isObj(e) ? condList(e['when']) : undefined;
    const fields = isObj(e) ? e['fields'] : undefined;
    if (when?.length !== 1 || !isObj(fields)) return bad('event_aliases entries need when: {field: value} and fields: {SigmaField: EventField}', doc.posOf(ea, i));
    eventAliases.push({ when: when[0] as ConditionMap, fields: Object.fromEntries(Object.entries(fields).map(([a, b]) => [a, String(b)])) });
  }
  const placeholders: Record<string, string[]> = {};
  const ph = v['placeholders'] ?? {};
  if (!isObj(ph)) return bad("'placeholders' must map names to value lists", doc.posOf(v, 'placeholders'));
  for (const [k, t] of Object.entries(ph)) placeholders[k] = Array.isArray(t) ? t.map(String) : [String(t)];
  const pf = v['placeholder_fallback'] ?? 'wildcard';
  if (pf !== 'wildcard' && pf !== 'error') return bad("'placeholder_fallback' must be wildcard or error", doc.posOf(v, 'placeholder_fallback'));
  const name = typeof v['name'] === 'string' ? v['name'] : (file ?? 'user');
  return { pipeline: { name, fieldMappings, logsources, fallback, eventAliases, placeholders, placeholderFallback: pf }, issues: [] };
}

function isCondValue(x: unknown): boolean {
  const scalar = (y: unknown): boolean => typeof y === 'string' || typeof y === 'number' || typeof y === 'boolean';
  return x === null || scalar(x) || (Array.isArray(x) && x.every(scalar));
}
