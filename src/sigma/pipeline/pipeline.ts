/**
 * Processing pipelines as data (pySigma's idea, evaluated on events instead of converted to queries).
 *
 *   Pipeline = {
 *     name,
 *     fieldMappings:  Sigma field -> event field names tried in order (first present wins)
 *     logsources:     [{ match: {product?, category?, service?}, conditions: [ConditionMap, ...] }]
 *                     every entry whose match fits the rule's logsource applies; entries are AND-ed,
 *                     the condition maps inside one entry are OR-ed (e.g. Sysmon EID 1 or Security 4688)
 *     fallback:       [ConditionMap, ...] for rules that no entry matches
 *     sources:        [{ logsource: {product, service?, category?}, conditions: [ConditionMap, ...],
 *                        looseNames? }] log source recognition: an event is of the first source
 *                     whose conditions hold (OR-ed maps), else of unknown log source. A rule with a
 *                     product sees only events of a source of that product (and of its service and
 *                     category when both name one); a rule without one sees events of unknown
 *                     source, or of a source with its category or service. looseNames: field names
 *                     of such events also resolve ignoring case, spaces and underscores
 *                     (`ThreatName` -> `Threat Name`) when no field has the exact name.
 *     declared:       the log source `hunt --logsource` declared for every event (see declareLogsource)
 *     eventAliases:   [{ when: ConditionMap, fields: {SigmaField: EventField} }] per-event renames
 *                     (Security 4688: Image -> NewProcessName, ...)
 *     placeholders:   name -> values for `|expand`; placeholderFallback 'wildcard' (pySigma's last resort) or 'error'
 *   }
 *   ConditionMap = { Field: value | [values] | null }   (values OR-ed, case-insensitive, `*` wildcard;
 *                                                        a lone '*' = present (any value but null);
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

/** Log source recognition: events matching `conditions` (OR-ed) are of `logsource`. */
export interface LogsourceSource {
  /** What the shape is, for people (e.g. "Microsoft Sentinel SigninLogs rows"). */
  readonly name?: string;
  readonly logsource: LogsourceMatch;
  readonly conditions: readonly ConditionMap[];
  /** Field names also resolve ignoring case, spaces and underscores when no exact name exists. */
  readonly looseNames?: boolean;
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
  /** Log source recognition, first match wins (see the header comment). */
  readonly sources: readonly LogsourceSource[];
  /** Set by declareLogsource: every event is of this log source. */
  readonly declared?: LogsourceMatch;
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
    // The user's shapes are tried before the built-in ones.
    sources: [...over.sources, ...base.sources],
    ...(over.declared !== undefined ? { declared: over.declared } : base.declared !== undefined ? { declared: base.declared } : {}),
    eventAliases: [...base.eventAliases, ...over.eventAliases],
    placeholders: { ...base.placeholders, ...over.placeholders },
    placeholderFallback: over.placeholderFallback,
  };
}

/** `--logsource product=X,service=Y,category=Z` as a LogsourceMatch, or a one-line error. */
export function parseLogsourceArg(text: string): LogsourceMatch | string {
  const out: { product?: string; service?: string; category?: string } = {};
  for (const part of text.split(',')) {
    const m = /^\s*(product|service|category)\s*=\s*([^=\s]+)\s*$/i.exec(part);
    if (m === null) return `--logsource "${text}": expected product=NAME[,service=NAME][,category=NAME], got "${part}"`;
    const key = (m[1] as string).toLowerCase() as 'product' | 'service' | 'category';
    if (out[key] !== undefined) return `--logsource "${text}": ${key} given twice`;
    out[key] = (m[2] as string).toLowerCase();
  }
  if (out.product === undefined && out.category === undefined && out.service === undefined) return `--logsource "${text}": name a product, service or category`;
  return out;
}

/**
 * The pipeline for events whose log source the user declared (`hunt --logsource`): recognition is
 * off, every event is of `ls`, and the pipeline's logsource entries that `ls` settles (every
 * attribute the entry matches on is declared with that value) hold without their conditions, so
 * `product=windows,service=security` reaches Security rules even in logs without a Channel field.
 * Loose field names stay on when a built-in source of the same product and service has them.
 */
export function declareLogsource(p: Pipeline, ls: LogsourceMatch): Pipeline {
  const loose = p.sources.some((s) => s.looseNames === true && s.logsource.product === ls.product && s.logsource.service === ls.service);
  return { ...p, sources: [{ name: 'declared with --logsource', logsource: ls, conditions: [{}], ...(loose ? { looseNames: true } : {}) }], declared: ls };
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
  const known = new Set(['name', 'field_mappings', 'logsources', 'fallback', 'sources', 'event_aliases', 'placeholders', 'placeholder_fallback', 'description']);
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
  const sources: LogsourceSource[] = [];
  const src = v['sources'] ?? [];
  if (!Array.isArray(src)) return bad("'sources' must be a list", doc.posOf(v, 'sources'));
  for (const [i, e] of src.entries()) {
    if (!isObj(e)) return bad('each sources entry must be a map', doc.posOf(src, i));
    const logsource: { product?: string; category?: string; service?: string } = {};
    for (const k of ['product', 'category', 'service'] as const) {
      const val = e[k];
      if (typeof val === 'string') logsource[k] = val.toLowerCase();
    }
    if (logsource.product === undefined) return bad('a sources entry needs a product (and optionally service, category)', doc.posOf(src, i));
    const conditions = condList(e['conditions']);
    if (conditions === undefined) return bad('sources entry needs conditions: a map or list of maps of field: value|[values]|null', doc.posOf(src, i));
    const looseNames = e['loose_names'];
    if (looseNames !== undefined && typeof looseNames !== 'boolean') return bad("'loose_names' must be true or false", doc.posOf(src, i));
    sources.push({ ...(typeof e['name'] === 'string' ? { name: e['name'] } : {}), logsource, conditions, ...(looseNames === true ? { looseNames } : {}) });
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
  return { pipeline: { name, fieldMappings, logsources, fallback, sources, eventAliases, placeholders, placeholderFallback: pf }, issues: [] };
}

function isCondValue(x: unknown): boolean {
  const scalar = (y: unknown): boolean => typeof y === 'string' || typeof y === 'number' || typeof y === 'boolean';
  return x === null || scalar(x) || (Array.isArray(x) && x.every(scalar));
}
