/**
 * Declared coverage: what no log file shows (an EDR, a SaaS audit log, a rule in another SIEM),
 * written by a person in YAML (docs/formats/coverage.md). Also reads DeTT&CT's data source and
 * technique administration files (`file_type: data-source-administration` /
 * `technique-administration`), so its users can bring theirs. A malformed file is one error
 * naming FILE:LINE:COL.
 */
import { createRequire } from 'node:module';
import type * as YamlPackage from 'yaml';
import type { LineCounter, Node as YamlNode, YAMLMap } from 'yaml';
import { TtpgraphError } from '../../errors.ts';
import { COVERAGE_LEVELS, type CoverageLevel } from './levels.ts';

/** The `yaml` package, loaded on first use: most processes that import this module (every hunt, through the graph) never read a declaration. */
let yamlPackage: typeof YamlPackage | undefined;
function yaml(): typeof YamlPackage {
  return (yamlPackage ??= createRequire(import.meta.url)('yaml') as typeof YamlPackage);
}

export interface DeclaredLogSource {
  /** An ATT&CK log source name (`WinEventLog:Security`, `m365:unified`). */
  readonly name: string;
  /** Event ids it holds (strings); null: every event of it. */
  readonly eventIds: string[] | null;
  readonly note: string | null;
}

export interface DeclaredSigmaLogsource {
  readonly product: string | null;
  readonly category: string | null;
  readonly service: string | null;
  readonly note: string | null;
}

export interface DeclaredTechnique {
  readonly id: string;
  readonly level: Exclude<CoverageLevel, 'none'>;
  readonly note: string | null;
}

export interface Declaration {
  /** Where it was read from (a path, or "the store"). */
  readonly source: string;
  readonly format: 'ttpgraph' | 'dettect-data-sources' | 'dettect-techniques';
  readonly logSources: DeclaredLogSource[];
  /** ATT&CK data component names (`Process Creation`): every log source recording one counts as present. */
  readonly dataComponents: string[];
  readonly sigma: DeclaredSigmaLogsource[];
  readonly techniques: DeclaredTechnique[];
}

export const EMPTY_DECLARATION: Declaration = { source: '', format: 'ttpgraph', logSources: [], dataComponents: [], sigma: [], techniques: [] };

const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;

class Positioned {
  private readonly lines = new (yaml().LineCounter)();
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
  counter(): LineCounter {
    return this.lines;
  }
  fail(node: YamlNode | undefined | null, message: string): never {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    throw new TtpgraphError('invalid-input', message, { source: this.source, line, column: col });
  }
}

const str = (n: unknown): string | undefined => (yaml().isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number') ? String(n.value) : undefined);

function field(map: YAMLMap, key: string): YamlNode | undefined {
  return map.get(key, true);
}

/** Parses a declaration file's text; throws a TtpgraphError naming FILE:LINE:COL when it is malformed. */
export function parseDeclaration(text: string, source: string): Declaration {
  const pos = new Positioned(source);
  const doc = yaml().parseDocument(text, { lineCounter: pos.counter(), prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err !== undefined) {
    const [line, col] = err.linePos?.[0] !== undefined ? [err.linePos[0].line, err.linePos[0].col] : [1, 1];
    throw new TtpgraphError('invalid-input', `not YAML: ${err.message.split('\n')[0] ?? err.code}`, { source, line, column: col });
  }
  const root = doc.contents;
  if (!yaml().isMap(root)) return pos.fail(root, 'a coverage declaration is a map with logSources, dataComponents, sigma and techniques (docs/formats/coverage.md)');
  const fileType = str(field(root, 'file_type'));
  if (fileType === 'data-source-administration') return dettectDataSources(root, pos);
  if (fileType === 'technique-administration') return dettectTechniques(root, pos);
  if (fileType !== undefined) return pos.fail(field(root, 'file_type'), `file_type "${fileType}" is not one ttpgraph reads (data-source-administration, technique-administration)`);
  const known = new Set(['logSources', 'dataComponents', 'sigma', 'techniques', 'name', 'description']);
  for (const item of root.items) {
    const k = str(item.key);
    if (k === undefined || !known.has(k)) pos.fail(item.key, `unknown key "${k ?? '?'}": expected ${[...known].join(', ')}`);
  }
  const list = (key: string): YamlNode[] => {
    const n = field(root, key);
    if (n === undefined || (yaml().isScalar(n) && n.value === null)) return [];
    if (!yaml().isSeq(n)) return pos.fail(n, `${key} must be a list`);
    return n.items as YamlNode[];
  };
  const noteOf = (m: YAMLMap): string | null => str(field(m, 'note')) ?? null;
  const logSources = list('logSources').map((n): DeclaredLogSource => {
    if (yaml().isScalar(n)) {
      const name = str(n);
      if (name === undefined || name === '') return pos.fail(n, 'a log source is a name (WinEventLog:Security) or a map with name and eventIds');
      return { name, eventIds: null, note: null };
    }
    if (!yaml().isMap(n)) return pos.fail(n, 'a log source is a name (WinEventLog:Security) or a map with name and eventIds');
    const name = str(field(n, 'name'));
    if (name === undefined || name === '') return pos.fail(n, 'a log source needs a name (an ATT&CK log source such as WinEventLog:Security)');
    const ids = field(n, 'eventIds');
    let eventIds: string[] | null = null;
    if (ids !== undefined) {
      if (!yaml().isSeq(ids)) return pos.fail(ids, 'eventIds must be a list of numbers');
      eventIds = (ids.items as YamlNode[]).map((i) => {
        const v = yaml().isScalar(i) ? i.value : undefined;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return pos.fail(i, 'an event id is a whole number');
        return String(v);
      });
    }
    return { name, eventIds, note: noteOf(n) };
  });
  const dataComponents = list('dataComponents').map((n) => {
    const name = str(n);
    if (name === undefined || name === '') return pos.fail(n, 'a data component is its ATT&CK name, e.g. Process Creation');
    return name;
  });
  const sigma = list('sigma').map((n): DeclaredSigmaLogsource => {
    if (!yaml().isMap(n)) return pos.fail(n, 'a Sigma logsource is a map of product, category, service');
    const product = str(field(n, 'product'))?.toLowerCase() ?? null;
    const category = str(field(n, 'category'))?.toLowerCase() ?? null;
    const service = str(field(n, 'service'))?.toLowerCase() ?? null;
    if (product === null && category === null && service === null) return pos.fail(n, 'a Sigma logsource names a product, category or service');
    return { product, category, service, note: noteOf(n) };
  });
  const techniques = list('techniques').map((n): DeclaredTechnique => {
    if (!yaml().isMap(n)) return pos.fail(n, 'a technique is a map with id, level (visible, detectable, detected) and note');
    const id = str(field(n, 'id'))?.toUpperCase();
    if (id === undefined || !TECHNIQUE_ID.test(id)) return pos.fail(field(n, 'id') ?? n, 'a technique needs an id like T1114 or T1114.003');
    const levelNode = field(n, 'level');
    const level = levelNode === undefined ? 'detectable' : str(levelNode);
    if (level === undefined || level === 'none' || !(COVERAGE_LEVELS as readonly string[]).includes(level)) return pos.fail(levelNode, `level must be visible, detectable or detected`);
    return { id, level: level as DeclaredTechnique['level'], note: noteOf(n) };
  });
  return { source, format: 'ttpgraph', logSources, dataComponents, sigma, techniques };
}

/** The newest score of a DeTT&CT score_logbook (the entry with the latest date, else the first). */
function latestScore(obj: YamlNode | undefined, pos: Positioned): number | undefined {
  const entries = obj === undefined ? [] : yaml().isSeq(obj) ? (obj.items as YamlNode[]) : [obj];
  let best: { date: string; score: number } | undefined;
  for (const e of entries) {
    if (!yaml().isMap(e)) continue;
    const log = field(e, 'score_logbook');
    if (log === undefined) continue;
    if (!yaml().isSeq(log)) pos.fail(log, 'score_logbook must be a list');
    for (const s of (log as { items: YamlNode[] }).items) {
      if (!yaml().isMap(s)) continue;
      const scoreNode = field(s, 'score');
      const score = yaml().isScalar(scoreNode) ? scoreNode.value : undefined;
      if (typeof score !== 'number') pos.fail(scoreNode ?? s, 'a score_logbook score is a number');
      const date = str(field(s, 'date')) ?? '';
      if (best === undefined || date > best.date) best = { date, score: score };
      else if (best.date === date && (score) > best.score) best = { date, score: score };
    }
  }
  return best?.score;
}

function dettectTechniques(root: YAMLMap, pos: Positioned): Declaration {
  const list = field(root, 'techniques');
  if (!yaml().isSeq(list)) return pos.fail(list ?? root, 'techniques must be a list');
  const techniques: DeclaredTechnique[] = [];
  for (const n of list.items as YamlNode[]) {
    if (!yaml().isMap(n)) pos.fail(n, 'a technique is a map with technique_id, detection and visibility');
    const m = n;
    const id = str(field(m, 'technique_id'))?.toUpperCase();
    if (id === undefined || !TECHNIQUE_ID.test(id)) pos.fail(field(m, 'technique_id') ?? m, 'technique_id must be an ATT&CK technique ID like T1055');
    // DeTT&CT scores: detection -1 none, 0 forensics only, 1-5 detection; visibility 0 none, 1-4.
    const detection = latestScore(field(m, 'detection'), pos);
    const visibility = latestScore(field(m, 'visibility'), pos);
    const name = str(field(m, 'technique_name'));
    if (detection !== undefined && detection >= 1) techniques.push({ id: id, level: 'detectable', note: `DeTT&CT detection score ${detection}${name === undefined ? '' : ` (${name})`}` });
    else if (visibility !== undefined && visibility >= 1) techniques.push({ id: id, level: 'visible', note: `DeTT&CT visibility score ${visibility}${name === undefined ? '' : ` (${name})`}` });
  }
  return { source: pos.source, format: 'dettect-techniques', logSources: [], dataComponents: [], sigma: [], techniques };
}

function dettectDataSources(root: YAMLMap, pos: Positioned): Declaration {
  const list = field(root, 'data_sources');
  if (!yaml().isSeq(list)) return pos.fail(list ?? root, 'data_sources must be a list');
  const dataComponents: string[] = [];
  for (const n of list.items as YamlNode[]) {
    if (!yaml().isMap(n)) pos.fail(n, 'a data source is a map with data_source_name');
    const m = n;
    const name = str(field(m, 'data_source_name'));
    if (name === undefined || name === '') pos.fail(m, 'a data source needs data_source_name');
    // DeTT&CT 1.x keeps the details on the entry; 2.x in a `data_source` list of entries (per system).
    const inner = field(m, 'data_source');
    const details = inner !== undefined && yaml().isSeq(inner) ? (inner.items as YamlNode[]).filter((x) => yaml().isMap(x)) : [m];
    const connected = details.some((d) => {
      const dm = d;
      const available = field(dm, 'available_for_data_analytics');
      const date = str(field(dm, 'date_connected'));
      const quality = field(dm, 'data_quality');
      const someQuality = quality !== undefined && yaml().isMap(quality) && quality.items.some((q) => yaml().isScalar(q.value) && typeof q.value.value === 'number' && q.value.value > 0);
      return (yaml().isScalar(available) && available.value === true) || (date !== undefined && date !== '') || someQuality;
    });
    if (connected) dataComponents.push(name);
  }
  return { source: pos.source, format: 'dettect-data-sources', logSources: [], dataComponents, sigma: [], techniques: [] };
}

/** Several declarations as one (a ttpgraph file and DeTT&CT's two, say). */
export function mergeDeclarations(parts: readonly Declaration[]): Declaration {
  if (parts.length === 1) return parts[0]!;
  return {
    source: parts.map((p) => p.source).join(', '),
    format: parts[0]?.format ?? 'ttpgraph',
    logSources: parts.flatMap((p) => p.logSources),
    dataComponents: parts.flatMap((p) => p.dataComponents),
    sigma: parts.flatMap((p) => p.sigma),
    techniques: parts.flatMap((p) => p.techniques),
  };
}
