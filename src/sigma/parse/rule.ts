/**
 * Rule files -> typed documents. `parseSigma(text, { file })` reads every YAML document of a file
 * (rules, correlation rules and meta filters; the v1 `action: global|reset|repeat` collection form
 * too) and always returns: the documents that were valid plus one issue per problem. A bad document
 * never stops the others.
 */
import { SigmaBuildError, showValue, type Position, type SigmaIssue } from '../issues.ts';
import { buildItem } from '../modifiers/modifiers.ts';
import {
  LEVELS,
  type CompareOp,
  type CorrelationType,
  type Detection,
  type DetectionItem,
  type ItemGroup,
  type Logsource,
  type RuleLevel,
  type RuleMeta,
  type RuleStatus,
  type SearchIdentifier,
  type SigmaCorrelation,
  type SigmaDocument,
  type SigmaFilter,
  type SigmaRule,
} from '../rule/model.ts';
import { parseCondition } from './condition.ts';
import { parseYamlDocuments, type YamlDocument, type YamlParseResult } from './yaml.ts';

export interface SigmaCollection {
  readonly rules: SigmaRule[];
  readonly correlations: SigmaCorrelation[];
  readonly filters: SigmaFilter[];
  readonly issues: SigmaIssue[];
}

export interface ParseOptions {
  /** Reported in issues and kept on each document. */
  readonly file?: string;
}

const STATUSES: readonly RuleStatus[] = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];
const CORRELATION_TYPES: readonly CorrelationType[] = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile'];
const COMPARE_OPS: readonly CompareOp[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function emptyCollection(): SigmaCollection {
  return { rules: [], correlations: [], filters: [], issues: [] };
}

/** Merges collections (for many files). */
export function mergeCollections(parts: readonly SigmaCollection[]): SigmaCollection {
  const out = emptyCollection();
  for (const p of parts) {
    out.rules.push(...p.rules);
    out.correlations.push(...p.correlations);
    out.filters.push(...p.filters);
    out.issues.push(...p.issues);
  }
  return out;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (isObj(base) && isObj(over)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
    return out;
  }
  return over;
}

export function parseSigma(text: string, options: ParseOptions = {}): SigmaCollection {
  return sigmaFromYaml(parseYamlDocuments(text, options.file), options);
}

/** parseSigma after the YAML step (which may have run elsewhere, e.g. in a worker thread: see parseYamlPlain). */
export function sigmaFromYaml(yaml: YamlParseResult, options: ParseOptions = {}): SigmaCollection {
  const file = options.file;
  const out = emptyCollection();
  const { documents, issues } = yaml;
  out.issues.push(...issues);
  // A rule file with nothing in it (or only comments) is a mistake to report, not a pass.
  if (issues.length === 0 && documents.every((d) => d.value === null || d.value === undefined)) {
    out.issues.push(issue('empty-file', 'the file holds no Sigma document', file, { line: 1, column: 1 }, undefined));
  }
  let global: Obj | undefined;
  let previous: Obj | undefined;
  for (const doc of documents) {
    if (doc.value === null || doc.value === undefined) continue;
    if (!isObj(doc.value)) {
      out.issues.push(issue('invalid-document', 'a Sigma document must be a YAML map', file, doc.pos, undefined));
      continue;
    }
    let value = doc.value;
    const action = value['action'];
    if (action !== undefined) {
      const rest = { ...value };
      delete rest['action'];
      if (action === 'global') {
        global = rest;
        continue;
      }
      if (action === 'reset') {
        global = undefined;
        continue;
      }
      if (action === 'repeat') {
        if (previous === undefined) {
          out.issues.push(issue('invalid-document', "'action: repeat' without a previous document", file, doc.pos, undefined));
          continue;
        }
        value = deepMerge(previous, rest) as Obj;
      } else {
        out.issues.push(issue('invalid-document', `unknown collection action '${showValue(action)}'`, file, doc.pos, undefined));
        continue;
      }
    } else if (global !== undefined) value = deepMerge(global, value) as Obj;
    previous = value;
    const ruleId = typeof value['id'] === 'string' ? value['id'] : undefined;
    try {
      const d = buildDocument(value, doc, file);
      if (d.kind === 'rule') out.rules.push(d);
      else if (d.kind === 'correlation') out.correlations.push(d);
      else out.filters.push(d);
    } catch (e) {
      if (e instanceof SigmaBuildError) out.issues.push(issue(e.code, e.message, file, e.pos ?? doc.pos, ruleId));
      else throw e;
    }
  }
  return out;
}

function issue(code: SigmaIssue['code'], message: string, file: string | undefined, pos: Position | undefined, ruleId: string | undefined): SigmaIssue {
  return {
    code,
    severity: 'error',
    message,
    ...(file !== undefined ? { file } : {}),
    ...(pos !== undefined ? { line: pos.line, column: pos.column } : {}),
    ...(ruleId !== undefined ? { ruleId } : {}),
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : str(v) !== undefined ? [str(v) as string] : []);

function buildMeta(value: Obj, doc: YamlDocument, file: string | undefined): RuleMeta {
  const title = value['title'];
  if (typeof title !== 'string' || title === '') throw new SigmaBuildError('missing-field', "missing or empty 'title'", doc.posOf(value, 'title') ?? doc.pos);
  const status = value['status'];
  if (status !== undefined && !STATUSES.includes(status as RuleStatus))
    throw new SigmaBuildError('invalid-field', `invalid status '${showValue(status)}' (expected ${STATUSES.join('|')})`, doc.posOf(value, 'status'));
  const level = value['level'];
  if (level !== undefined && !LEVELS.includes(level as RuleLevel))
    throw new SigmaBuildError('invalid-field', `invalid level '${showValue(level)}' (expected ${LEVELS.join('|')})`, doc.posOf(value, 'level'));
  const id = value['id'];
  if (id !== undefined && typeof id !== 'string') throw new SigmaBuildError('invalid-field', "'id' must be a string", doc.posOf(value, 'id'));
  const tags = value['tags'];
  if (tags !== undefined && !Array.isArray(tags)) throw new SigmaBuildError('invalid-field', "'tags' must be a list", doc.posOf(value, 'tags'));
  return {
    id,
    name: str(value['name']),
    title,
    status: status as RuleStatus | undefined,
    level: level as RuleLevel | undefined,
    description: str(value['description']),
    author: str(value['author']),
    date: str(value['date']),
    modified: str(value['modified']),
    tags: strList(tags),
    references: strList(value['references']),
    falsepositives: strList(value['falsepositives']),
    license: str(value['license']),
    file,
    line: doc.pos.line,
    raw: value,
  };
}

function buildLogsource(value: Obj, doc: YamlDocument): Logsource {
  const ls = value['logsource'];
  if (!isObj(ls)) throw new SigmaBuildError('missing-field', "missing 'logsource' map", doc.posOf(value, 'logsource') ?? doc.pos);
  const out: { product?: string; category?: string; service?: string; definition?: string } = {};
  for (const k of ['product', 'category', 'service', 'definition'] as const) {
    const v = ls[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new SigmaBuildError('invalid-field', `logsource.${k} must be a string`, doc.posOf(ls, k));
    out[k] = k === 'definition' ? v : v.toLowerCase();
  }
  return out;
}

function buildDocument(value: Obj, doc: YamlDocument, file: string | undefined): SigmaDocument {
  if (value['correlation'] !== undefined) return buildCorrelation(value, doc, file);
  if (value['filter'] !== undefined) return buildFilter(value, doc, file);
  const meta = buildMeta(value, doc, file);
  const logsource = buildLogsource(value, doc);
  const det = value['detection'];
  if (!isObj(det)) throw new SigmaBuildError('missing-field', "missing 'detection' map", doc.posOf(value, 'detection') ?? doc.pos);
  return { ...meta, kind: 'rule', logsource, detection: buildDetection(det, doc, 'condition') };
}

/** Builds identifiers and the condition of a detection (or filter) map. */
export function buildDetection(det: Obj, doc: YamlDocument, conditionKey: string): Detection {
  const identifiers = new Map<string, SearchIdentifier>();
  for (const [name, body] of Object.entries(det)) {
    if (name === conditionKey || name === 'timeframe') continue;
    const pos = doc.posOf(det, name);
    identifiers.set(name, { name, groups: buildGroups(body, doc, pos), pos });
  }
  const cond = det[conditionKey];
  const condPos = doc.posOf(det, conditionKey);
  if (cond === undefined || cond === null) throw new SigmaBuildError('missing-field', "detection has no 'condition'", condPos ?? doc.pos);
  const conditions = Array.isArray(cond) ? cond.map((c) => showValue(c)) : [showValue(cond)];
  if (conditions.length === 0) throw new SigmaBuildError('invalid-condition', 'empty condition list', condPos);
  const names = [...identifiers.keys()];
  const trees = conditions.map((c, i) => {
    try {
      return parseCondition(c, names);
    } catch (e) {
      if (e instanceof SigmaBuildError) throw new SigmaBuildError(e.code, e.message, Array.isArray(cond) ? (doc.posOf(cond, i) ?? condPos) : condPos);
      throw e;
    }
  });
  const condition = trees.length === 1 ? trees[0]! : { type: 'or' as const, args: trees };
  return { identifiers, conditions, condition };
}

function splitKey(key: string): { field: string | null; modifiers: string[] } {
  const parts = key.split('|');
  const field = parts[0] ?? '';
  return { field: field === '' ? null : field, modifiers: parts.slice(1) };
}

function buildGroups(body: unknown, doc: YamlDocument, pos: Position | undefined): ItemGroup[] {
  if (isObj(body)) return [buildMapGroup(body, doc)];
  if (Array.isArray(body)) {
    const groups: ItemGroup[] = [];
    let keywords: unknown[] = [];
    const flush = (): void => {
      if (keywords.length > 0) groups.push([buildItem(null, [], keywords, pos)]);
      keywords = [];
    };
    body.forEach((el, i) => {
      if (isObj(el)) {
        flush();
        groups.push(buildMapGroup(el, doc));
      } else if (Array.isArray(el)) throw new SigmaBuildError('invalid-detection', 'nested lists are not allowed in a search identifier', doc.posOf(body, i) ?? pos);
      else keywords.push(el);
    });
    flush();
    if (groups.length === 0) throw new SigmaBuildError('invalid-detection', 'empty search identifier', pos);
    return groups;
  }
  if (typeof body === 'string' || typeof body === 'number') return [[buildItem(null, [], [body], pos)]];
  throw new SigmaBuildError('invalid-detection', 'a search identifier must be a map, a list of maps or a list of keywords', pos);
}

function buildMapGroup(map: Obj, doc: YamlDocument): ItemGroup {
  const items: DetectionItem[] = [];
  for (const [key, v] of Object.entries(map)) {
    const pos = doc.posOf(map, key);
    const { field, modifiers } = splitKey(key);
    if (isObj(v)) throw new SigmaBuildError('invalid-detection', `field '${key}' has a map value; expected a value or a list of values`, pos);
    const values = Array.isArray(v) ? v : [v];
    if (values.length === 0) throw new SigmaBuildError('invalid-value', `field '${key}' has an empty value list`, pos);
    items.push(buildItem(field, modifiers, values, pos));
  }
  return items;
}

const TIMESPAN_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000, y: 31_536_000_000 };

export function parseTimespan(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^(\d+)([smhdwMy])$/.exec(v.trim()) : null;
  if (m === null) return undefined;
  return Number(m[1]) * (TIMESPAN_UNITS[m[2] ?? 's'] ?? 1000);
}

function buildCorrelation(value: Obj, doc: YamlDocument, file: string | undefined): SigmaCorrelation {
  const meta = buildMeta(value, doc, file);
  const c = value['correlation'];
  const cpos = doc.posOf(value, 'correlation') ?? doc.pos;
  if (!isObj(c)) throw new SigmaBuildError('invalid-correlation', "'correlation' must be a map", cpos);
  const type = c['type'];
  if (!CORRELATION_TYPES.includes(type as CorrelationType))
    throw new SigmaBuildError('invalid-correlation', `invalid correlation type '${showValue(type)}' (expected ${CORRELATION_TYPES.join('|')})`, doc.posOf(c, 'type') ?? cpos);
  const ctype = type as CorrelationType;
  const rules = strList(c['rules']);
  if (rules.length === 0) throw new SigmaBuildError('invalid-correlation', "correlation needs 'rules'", doc.posOf(c, 'rules') ?? cpos);
  const groupBy = strList(c['group-by']);
  const timespanMs = parseTimespan(c['timespan'] ?? c['timeframe']);
  if (timespanMs === undefined) throw new SigmaBuildError('invalid-correlation', `invalid or missing timespan '${showValue(c['timespan'])}' (expected e.g. 30s, 5m, 1h, 2d)`, doc.posOf(c, 'timespan') ?? cpos);
  const condition: Partial<Record<CompareOp, number>> = {};
  let field: string[] = [];
  let percentile: number | undefined;
  const cond = c['condition'];
  if (cond !== undefined) {
    if (!isObj(cond)) throw new SigmaBuildError('invalid-correlation', "correlation 'condition' must be a map such as {gte: 10}", doc.posOf(c, 'condition'));
    for (const [k, v] of Object.entries(cond)) {
      if (k === 'field') field = strList(v);
      else if (k === 'percentile') percentile = Number(v);
      else if (COMPARE_OPS.includes(k as CompareOp)) {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new SigmaBuildError('invalid-correlation', `condition ${k} needs a number`, doc.posOf(cond, k));
        condition[k as CompareOp] = n;
      } else throw new SigmaBuildError('invalid-correlation', `unknown condition key '${k}'`, doc.posOf(cond, k));
    }
  }
  if (ctype === 'temporal' || ctype === 'temporal_ordered') {
    if (Object.keys(condition).length === 0) condition.gte = rules.length;
  } else if (Object.keys(condition).length === 0) throw new SigmaBuildError('invalid-correlation', `${ctype} needs a condition`, cpos);
  if (ctype.startsWith('value_') && field.length === 0) throw new SigmaBuildError('invalid-correlation', `${ctype} needs condition.field`, doc.posOf(c, 'condition') ?? cpos);
  if (ctype === 'value_percentile' && percentile === undefined) percentile = 50;
  const aliases = new Map<string, Map<string, string>>();
  const al = c['aliases'];
  if (al !== undefined) {
    if (!isObj(al)) throw new SigmaBuildError('invalid-correlation', "'aliases' must be a map", doc.posOf(c, 'aliases'));
    for (const [alias, m] of Object.entries(al)) {
      if (!isObj(m)) throw new SigmaBuildError('invalid-correlation', `alias '${alias}' must map rule names to fields`, doc.posOf(al, alias));
      aliases.set(alias, new Map(Object.entries(m).map(([r, f]) => [r, String(f)])));
    }
  }
  const gen = value['generate'] ?? c['generate'];
  return { ...meta, kind: 'correlation', type: ctype, rules, groupBy, timespanMs, condition, field, percentile, aliases, generate: gen === true };
}

function buildFilter(value: Obj, doc: YamlDocument, file: string | undefined): SigmaFilter {
  const meta = buildMeta(value, doc, file);
  const logsource = buildLogsource(value, doc);
  const f = value['filter'];
  if (!isObj(f)) throw new SigmaBuildError('invalid-filter', "'filter' must be a map", doc.posOf(value, 'filter') ?? doc.pos);
  const r = f['rules'];
  const rules: string[] | 'any' = r === 'any' ? 'any' : strList(r);
  if (rules !== 'any' && rules.length === 0) throw new SigmaBuildError('invalid-filter', "filter needs 'rules' (ids or names, or 'any')", doc.posOf(f, 'rules') ?? doc.pos);
  const det: Obj = { ...f };
  delete det['rules'];
  return { ...meta, kind: 'filter', logsource, rules, detection: buildDetection(det, doc, 'condition') };
}
