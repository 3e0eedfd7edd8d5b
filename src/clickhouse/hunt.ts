/**
 * `ttpgraph hunt --clickhouse`: the rules run inside ClickHouse. The rules are converted
 * (sigma/backend/clickhouse), grouped by route, and each group is one query: one pass over the
 * events of that route for all its rules, returning only matching events with the rules they
 * matched. Hits are then made exactly as the in-process hunt makes them (same HuntHit, same order:
 * by log file and line, rules in collection order), and correlations run on the matches in that
 * order through the same correlator, so both hunts print and save the same thing.
 *
 * A group whose query fails is retried rule by rule, so one bad rule (or a server limit) costs only
 * that rule: it is reported as a rule problem naming it, and the others still run.
 */
import { attackTags, createCorrelator, eventContext, eventHost, eventTimeMs, eventTimestamp, type SigmaCollection, type SigmaCorrelation, type SigmaRule, type Pipeline } from '../sigma/index.ts';
import { convertCollection, groupQuery, keyedRawQuery, passable, passBatchQuery, passQuery, rawQuery, routeGroup, sharesPass, type ConvertedRule, type QueryOptions, type RouteGroup } from '../sigma/backend/clickhouse/convert.ts';
import { randomUUID } from 'node:crypto';
import type { HuntHit } from '../hunt/hit.ts';
import { issueProblem, passes, type HuntFilters, type HuntProblem, type HuntSummary } from '../hunt/runner.ts';
import { ClickhouseError, type ClickhouseClient } from './client.ts';

/**
 * Rules per query on servers older than 20.x. Each query computes the fields its rules read over
 * every event of the route (18.16 at load ~9-12 over 200,000 realistic events: 100 rules per query
 * 157.8 s, 200 111.8 s, 300 66.1-82.5 s, 600 122.6 s for all of sigma/rules/windows), and 18.16's
 * analysis grows faster than the query past a few hundred rules.
 */
export const OLD_SERVER_RULES_PER_QUERY = 300;

/**
 * Matching events fetched per query: each fetch reads its scope's source, line and (the granules
 * holding a match being most of them) raw columns in whole, the places being no key prefix, so one
 * fetch per scope is the least (the process-creation events of 2,000,000 realistic events matched
 * 62,416 times: two fetches of up to 50,000 took 6.0 s; at 10,000,000 there are five times as many).
 */
const FETCH_BATCH = 1_000_000;

/**
 * Rules per batch over a large group's prefiltered rows (passQuery): groups of more than twice this
 * many run in two steps.
 */
export const PASS_BATCH_RULES = 25;

/**
 * Settings of the queries that scan a route's events (group queries, passes, fetches): blocks of
 * 2,048 rows instead of 65,536. A block of the fields' arrays (or of `raw`) is tens of megabytes at
 * the default, and 18.16 spent more CPU in the kernel (fresh memory for every block) than reading:
 * over 10,000,000 realistic events, reading and joining every `fields.value` took 7.3 s (5.4 s user,
 * 8.1 s system) at 65,536 rows, 2.6 s (4.3 s, 0.8 s) at 2,048; the process-creation pass 28.4 s
 * against 23.1 s; its fetch 6.3 s against 2.4-3.6 s (docs/benchmarks.md, seventh round).
 */
export const SCAN_SETTINGS: Readonly<Record<string, string>> = { max_block_size: '2048' };

/**
 * Matched events from which a fetch sends its places as a temporary table (keyedRawQuery) rather
 * than in the query's text (rawQuery): one insert and two small statements more, against a query
 * text that 18.16 parses and tests slowly once it lists many thousands of lines.
 */
const KEYS_TABLE_FROM = 2000;

/** Units (route groups, or a route's groups sharing a pass) whose queries run at once (see lane). */
export const UNITS_IN_FLIGHT = 2;

export interface ClickhouseHuntOptions {
  /** Rules per query (default: by server version, see OLD_SERVER_RULES_PER_QUERY). */
  readonly maxRulesPerQuery?: number;
  readonly client: ClickhouseClient;
  /** Quoted table name (tableName). */
  readonly table: string;
  readonly collection: SigmaCollection;
  readonly pipeline: Pipeline;
  readonly filters?: HuntFilters;
  readonly routing?: boolean;
  /** Witness prefilters on route groups (default true). */
  readonly prefilter?: boolean;
  /** Large groups in two steps through a temporary table (passQuery; default true). */
  readonly twoStep?: boolean;
  /** Matched events from which a fetch sends its places as a temporary table (default KEYS_TABLE_FROM). */
  readonly keysTableFrom?: number;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  /**
   * 'file' (default): every hit at the end, in file and line order, rules in collection order, as
   * the in-process hunt gives them. 'stream': each route group's hits as soon as its query answers
   * (in file and line order within the group); correlation hits at the end.
   */
  readonly order?: 'file' | 'stream';
  onHit(hit: HuntHit): void;
  onProblem?(p: HuntProblem): void;
  /** After each route group: groups done, groups in all. */
  onProgress?(p: { done: number; groups: number }): void;
}

export interface ClickhouseHuntSummary extends HuntSummary {
  /** The server's version() (the SQL's dialect). */
  readonly serverVersion: string;
  /** Queries run (one per route group, plus per-rule retries). */
  readonly queries: number;
  /** Rules whose query failed. */
  readonly rulesFailed: number;
}

/** Errors no retry (rule by rule, or the one-query way) can help: the server, the login, the table. */
const FATAL = /cannot connect|HTTP 401|HTTP 403|Authentication failed|doesn't exist|UNKNOWN_TABLE|code 60\)|code 516\)|code 192\)|code 193\)/;

/** What one unit's queries found: the events it matched, and (streaming) its (event, rule) pairs. */
interface UnitFinds {
  /** The events the unit matched (their raw is fetched after its queries, within its scope). */
  readonly touched: Set<Match>;
  readonly fresh: { m: Match; rule: number }[];
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Match {
  readonly source: string;
  readonly line: number;
  raw: string | undefined;
  readonly rules: Set<number>;
}

/**
 * The groups in the order to run them, cheapest first: by the events of their scope (the route's
 * sort key tests), counted by one query over the sort key columns (no event column is read), then
 * by rules. Hits come out per group, so the first come from the small routes, not after a scan of
 * every event by a channel-less group. A group whose scope holds no event cannot match and is left
 * out (its query would read nothing).
 */
async function plan(client: ClickhouseClient, table: string, bounds: readonly string[], groups: readonly RouteGroup[]): Promise<{ groups: RouteGroup[]; size: ReadonlyMap<string, number> }> {
  if (groups.length === 0) return { groups: [], size: new Map() };
  const scopes = [...new Set(groups.map((g) => g.scope))];
  const where = bounds.length > 0 ? ` WHERE ${bounds.join(' AND ')}` : '';
  const sums = scopes.map((s) => (s === '1' ? 'sum(c)' : `sumIf(c, ${s})`));
  let counts: number[];
  try {
    counts = (await client.exec(`SELECT ${sums.join(', ')} FROM (SELECT channel, event_id, count() AS c FROM ${table}${where} GROUP BY channel, event_id) FORMAT TabSeparated`)).trim().split('\t').map(Number);
  } catch (e) {
    if (!(e instanceof ClickhouseError)) throw e;
    counts = [];
  }
  // Unknown counts (the query failed): every group runs, in the converter's order.
  if (counts.length !== scopes.length || counts.some((n) => !Number.isFinite(n))) return { groups: [...groups], size: new Map() };
  const size = new Map(scopes.map((s, i) => [s, counts[i] as number]));
  const rank = new Map(groups.map((g, i) => [g, i]));
  const sorted = groups
    .filter((g) => size.get(g.scope) !== 0)
    .sort((a, b) => (size.get(a.scope) as number) - (size.get(b.scope) as number) || a.rules.length - b.rules.length || (rank.get(a) as number) - (rank.get(b) as number));
  return { groups: sorted, size };
}

/**
 * The order in which the lanes start the units (0-based positions in print order): the heaviest
 * first (the most events of its scopes times rules), then the others in print order. The heaviest
 * unit is the hunt's longest chain of queries (the process-creation pass, its batches and fetch:
 * 75 s of a 92 s hunt over 10,000,000 events, started at 13 s behind the small routes, while the
 * other lane ran out of units at 53 s); started at once on one lane, it runs beside all the others,
 * and the first hits still come from the cheapest unit, started at once on the other lane.
 */
export function startOrder(weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  let heaviest = 0;
  weights.forEach((w, i) => {
    if (w > (weights[heaviest] as number)) heaviest = i;
  });
  return [heaviest, ...weights.map((_w, i) => i).filter((i) => i !== heaviest)];
}

export async function runClickhouseHunt(o: ClickhouseHuntOptions): Promise<ClickhouseHuntSummary> {
  const started = performance.now();
  const problem = (p: HuntProblem): void => o.onProblem?.(p);
  for (const i of o.collection.issues) problem(issueProblem(i));
  const needed = new Set(o.collection.correlations.flatMap((c) => c.rules));
  const rules = o.collection.rules.filter((r) => passes(r, o.filters) || (r.id !== undefined && needed.has(r.id)) || (r.name !== undefined && needed.has(r.name)));
  // The events in scope, whether any has an array value, and the server's version: also the first
  // contact with the server (down, wrong password, no table: one error, nothing runs).
  const bounds = [o.sinceMs !== undefined ? `time_ms >= ${Math.floor(o.sinceMs)}` : '', o.untilMs !== undefined ? `time_ms < ${Math.floor(o.untilMs)}` : ''].filter((x) => x !== '');
  const facts = (await o.client.exec(`SELECT count(), countIf(notEmpty(multi.name)), version() FROM ${o.table}${bounds.length > 0 ? ` WHERE ${bounds.join(' AND ')}` : ''} FORMAT TabSeparated`)).trim().split('\t');
  const events = Number(facts[0]);
  const arrays = Number(facts[1]) > 0;
  const version = facts[2] ?? '';
  const major = Number(version.split('.')[0]);
  const converted = convertCollection({ ...o.collection, rules }, o.pipeline, {
    ...(o.routing === false ? { routing: false } : {}),
    ...(o.prefilter === false ? { prefilter: false } : {}),
    arrays,
    maxRulesPerGroup: o.maxRulesPerQuery ?? (major < 20 ? OLD_SERVER_RULES_PER_QUERY : 2000),
  });
  for (const i of converted.issues) problem(issueProblem(i));
  const { correlator, issues: corrIssues } = createCorrelator(o.collection.correlations, converted.rules.map((c) => c.rule));
  for (const i of corrIssues) problem(issueProblem(i));
  const compileMs = performance.now() - started;
  const q: QueryOptions = { table: o.table, ...(o.sinceMs !== undefined ? { sinceMs: o.sinceMs } : {}), ...(o.untilMs !== undefined ? { untilMs: o.untilMs } : {}) };

  const order = new Map<SigmaRule, number>(converted.rules.map((c, i) => [c.rule, i]));
  const matches = new Map<string, Match>();
  let queries = 0;
  let rulesFailed = 0;
  const ruleName = (r: SigmaRule): string => `${r.id ?? r.title}${r.file !== undefined ? ` (${r.file})` : ''}`;
  const stream = o.order === 'stream';
  const add = (ctx: UnitFinds, rows: Record<string, unknown>, list: readonly ConvertedRule[]): void => {
    const source = String(rows['source']);
    const line = Number(rows['line']);
    const key = `${source}\u0000${line}`;
    let m = matches.get(key);
    if (m === undefined) matches.set(key, (m = { source, line, raw: undefined, rules: new Set() }));
    ctx.touched.add(m);
    for (const pos of rows['matched'] as number[]) {
      const rule = order.get((list[pos - 1] as ConvertedRule).rule) as number;
      m.rules.add(rule);
      if (stream) ctx.fresh.push({ m, rule });
    }
  };
  // The matching events themselves, once each (those not fetched yet).
  const keep = (row: Record<string, unknown>): void => {
    const m = matches.get(`${String(row['source'])}\u0000${Number(row['line'])}`);
    if (m !== undefined) m.raw = String(row['raw']);
  };
  // Many places go to the server as a temporary table of a session of their own (a fetch may run
  // beside the next unit's queries and beside the fetch before it); off for good when the server
  // refuses temporary tables (a read-only user), the places then going in the query's text.
  let keysTables = true;
  const fetchByTable = async (list: readonly Match[], scope?: string): Promise<boolean> => {
    if (!keysTables || list.length < (o.keysTableFrom ?? KEYS_TABLE_FROM)) return false;
    const keys = o.client.withSession(`ttpgraph-${randomUUID()}`);
    const KEYS_TABLE = 'ttpgraph_keys';
    try {
      queries += 2;
      await keys.exec(`CREATE TEMPORARY TABLE ${KEYS_TABLE} (source String, line UInt64)`);
      await keys.insertJsonRows(KEYS_TABLE, list.map((m) => JSON.stringify({ source: m.source, line: Math.floor(m.line) })).join('\n'));
    } catch (e) {
      if (!(e instanceof ClickhouseError) || FATAL.test(e.message)) throw e;
      keysTables = false;
      return false;
    }
    try {
      queries++;
      await keys.select(keyedRawQuery(o.table, KEYS_TABLE, scope), keep, undefined, SCAN_SETTINGS);
    } finally {
      await keys.exec(`DROP TEMPORARY TABLE IF EXISTS ${KEYS_TABLE}`).catch(() => undefined);
    }
    return true;
  };
  const fetchRaw = async (list: Iterable<Match>, scope?: string): Promise<void> => {
    const missing = [...list].filter((m) => m.raw === undefined);
    if (await fetchByTable(missing, scope)) return;
    for (let i = 0; i < missing.length; i += FETCH_BATCH) {
      queries++;
      await o.client.select(rawQuery(o.table, missing.slice(i, i + FETCH_BATCH), scope), keep);
    }
  };
  const byPlace = (a: Match, b: Match): number => (a.source < b.source ? -1 : a.source > b.source ? 1 : a.line - b.line);
  // Large groups in two steps (passQuery: the prefiltered rows once into a temporary table of the
  // lane's session, then the rules in batches over them); off for good when the server refuses
  // temporary tables (a read-only user), and per group when a step fails (the group then runs as
  // one query).
  let twoStep = o.twoStep !== false;
  const PASS_TABLE = 'ttpgraph_pass';
  const runPass = async (g: RouteGroup, ctx: UnitFinds, session: ClickhouseClient): Promise<boolean> => {
    if (!twoStep || g.rules.length <= 2 * PASS_BATCH_RULES || !passable(g.rules)) return false;
    const freshBefore = ctx.fresh.length;
    try {
      queries += 2;
      await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${PASS_TABLE}`);
      await session.exec(`CREATE TEMPORARY TABLE ${PASS_TABLE} AS ${passQuery(converted.converter, g, q)}`, undefined, SCAN_SETTINGS);
    } catch (e) {
      if (!(e instanceof ClickhouseError) || FATAL.test(e.message)) throw e;
      if (/readonly|code 164\)|code 497\)|[Ss]ession/.test(e.message)) twoStep = false;
      return false;
    }
    try {
      // The rules with a witness in batches of their own (each filters the rows by its literals),
      // then those without (their batches read every row).
      const batches: ConvertedRule[][] = [];
      for (const list of [g.rules.filter((r) => r.witness !== undefined), g.rules.filter((r) => r.witness === undefined)]) {
        for (let i = 0; i < list.length; i += PASS_BATCH_RULES) batches.push(list.slice(i, i + PASS_BATCH_RULES));
      }
      for (const batch of batches) {
        queries++;
        await session.select(passBatchQuery(converted.converter, batch, PASS_TABLE), (row) => add(ctx, row, batch));
      }
      return true;
    } catch (e) {
      if (!(e instanceof ClickhouseError)) throw e;
      // Run the group the one-query way (which finds a bad rule); no pair is streamed twice.
      ctx.fresh.length = freshBefore;
      return false;
    } finally {
      await session.exec(`DROP TEMPORARY TABLE IF EXISTS ${PASS_TABLE}`).catch(() => undefined);
    }
  };
  const runGroup = async (g: RouteGroup, ctx: UnitFinds, session: ClickhouseClient, pass = true): Promise<void> => {
    if (pass && (await runPass(g, ctx, session))) return;
    queries++;
    try {
      await o.client.select(groupQuery(converted.converter, g, q), (row) => add(ctx, row, g.rules), undefined, SCAN_SETTINGS);
      return;
    } catch (e) {
      if (!(e instanceof ClickhouseError) || FATAL.test(e.message)) throw e;
      if (g.rules.length === 1) {
        rulesFailed++;
        problem({ kind: 'rule', message: `rule ${ruleName((g.rules[0] as ConvertedRule).rule)}: ${e.message}` });
        return;
      }
    }
    // One rule at a time: only the bad ones are lost.
    for (const r of g.rules) {
      queries++;
      try {
        await o.client.select(groupQuery(converted.converter, routeGroup(g.route, [r]), q), (row) => add(ctx, row, [r]), undefined, SCAN_SETTINGS);
      } catch (e) {
        if (!(e instanceof ClickhouseError)) throw e;
        rulesFailed++;
        problem({ kind: 'rule', message: `rule ${ruleName(r.rule)}: ${e.message}` });
      }
    }
  };
  const tagCache = new Map<SigmaRule | SigmaCorrelation, ReturnType<typeof attackTags>>();
  let hits = 0;
  const rulesHit = new Set<string>();
  const metaHit = (doc: SigmaRule | SigmaCorrelation, kind: 'rule' | 'correlation', m: Match, ts: string | undefined, host: string | undefined, event: unknown): HuntHit => {
    let at = tagCache.get(doc);
    if (at === undefined) tagCache.set(doc, (at = attackTags(doc.tags)));
    return { kind, ruleId: doc.id, title: doc.title, level: doc.level, status: doc.status, techniques: at.techniques, tactics: at.tactics, tags: doc.tags, timestamp: ts, host, source: m.source, line: m.line, ruleFile: doc.file, event };
  };
  // The parsed event of a match, kept while its hits are made (one parse per event and pass).
  let last: { m: Match; event: unknown; ctx: ReturnType<typeof eventContext>; ts: string | undefined; host: string | undefined } | undefined;
  const placeOf = (m: Match): NonNullable<typeof last> => {
    if (last?.m !== m) {
      const event = JSON.parse(m.raw as string) as unknown;
      const ctx = eventContext(event);
      last = { m, event, ctx, ts: eventTimestamp(ctx), host: eventHost(ctx) };
    }
    return last;
  };
  const emitRule = (m: Match, rule: SigmaRule): void => {
    if (m.raw === undefined || correlator.suppressed(rule) || !passes(rule, o.filters)) return;
    const { event, ts, host } = placeOf(m);
    hits++;
    rulesHit.add(rule.id ?? rule.title);
    o.onHit(metaHit(rule, 'rule', m, ts, host, event));
  };
  const { groups, size } = await plan(o.client, o.table, bounds, converted.groups);
  queries++;
  // The prefiltered groups of one route share one two-step pass (one scan of the route, not one
  // per group: the groups are cut for 18.16's one-query way, the passes' batches are small anyway);
  // when it cannot run, each group runs the one-query way.
  const units: RouteGroup[][] = [];
  const byRoute = new Map<string, RouteGroup[]>();
  for (const g of groups) {
    const prefiltered = twoStep && sharesPass(g);
    const unit = prefiltered ? byRoute.get(g.route) : undefined;
    if (unit !== undefined) unit.push(g);
    else {
      units.push([g]);
      if (prefiltered) byRoute.set(g.route, units[units.length - 1] as RouteGroup[]);
    }
  }
  let done = 0;
  // Units run on UNITS_IN_FLIGHT lanes, each with a session of its own (its temporary table), taking
  // the next unit (in startOrder) when its last one is queried: one lane's server threads work while the
  // other's query is analysed, its answer parsed here, or its batches read a small table. Each
  // unit's matched events are fetched as soon as its queries are done (beside the next units'
  // queries) and its hits printed after the unit before it has printed its own: hits come out unit
  // by unit, in order. A failure stops the lanes taking units and fails the hunt.
  const printed = units.map(() => deferred());
  for (const p of printed) p.promise.catch(() => undefined);
  const starts = startOrder(units.map((u) => u.reduce((sum, g) => sum + (size.get(g.scope) ?? 0) * g.rules.length, 0)));
  let next = 0;
  let failure: unknown;
  const fail = (e: unknown): void => {
    failure ??= e;
    for (const p of printed) p.reject(e);
  };
  const lane = async (): Promise<void> => {
    const session = o.client.withSession(`ttpgraph-${randomUUID()}`);
    while (failure === undefined && next < starts.length) {
      const i = starts[next++] as number;
      const unit = units[i] as RouteGroup[];
      const ctx: UnitFinds = { touched: new Set(), fresh: [] };
      const whole = unit.length === 1 ? (unit[0] as RouteGroup) : routeGroup((unit[0] as RouteGroup).route, unit.flatMap((g) => g.rules));
      try {
        if (unit.length === 1) await runGroup(whole, ctx, session);
        else if (!(await runPass(whole, ctx, session))) for (const g of unit) await runGroup(g, ctx, session, false);
      } catch (e) {
        fail(e);
        throw e;
      }
      void (async (): Promise<void> => {
        await fetchRaw(ctx.touched, whole.scope);
        if (i > 0) await (printed[i - 1] as Deferred).promise;
        if (stream && ctx.fresh.length > 0) {
          ctx.fresh.sort((a, b) => byPlace(a.m, b.m) || a.rule - b.rule);
          for (const { m, rule } of ctx.fresh) emitRule(m, (converted.rules[rule] as ConvertedRule).rule);
        }
        o.onProgress?.({ done: ++done, groups: units.length });
      })().then(() => (printed[i] as Deferred).resolve(), fail);
    }
  };
  await Promise.all(Array.from({ length: Math.min(UNITS_IN_FLIGHT, units.length) }, lane));
  if (units.length > 0) await (printed[units.length - 1] as Deferred).promise;
  if (converted.rules.length > 0 && rulesFailed === converted.rules.length) throw new ClickhouseError(`ClickHouse at ${o.client.target.display}: no rule could run (${rulesFailed} failed; see above)`);

  await fetchRaw([...matches.values()]);
  // In file order: every hit ('file'), or only the correlations' ('stream': the rules' are out).
  const sorted = [...matches.values()].sort(byPlace);
  for (const m of sorted) {
    if (m.raw === undefined) continue; // gone between the two queries (the table was changed meanwhile)
    const matched = [...m.rules].sort((a, b) => a - b).map((i) => (converted.rules[i] as ConvertedRule).rule);
    if (!stream) for (const rule of matched) emitRule(m, rule);
    if (correlator.correlations.length > 0) {
      const { ctx, ts, host } = placeOf(m);
      for (const ch of correlator.feed(matched, ctx, eventTimeMs(ctx))) {
        if (correlator.suppressed(ch.correlation) || !passes(ch.correlation, o.filters)) continue;
        hits++;
        rulesHit.add(ch.correlation.id ?? ch.correlation.title);
        o.onHit(metaHit(ch.correlation, 'correlation', m, ts, host, { group: ch.group, value: ch.value, type: ch.correlation.type }));
      }
    }
  }
  return {
    rules: converted.rules.length,
    correlations: correlator.correlations.length,
    ruleProblems: o.collection.issues.length + converted.issues.length + corrIssues.length + rulesFailed,
    files: new Set(sorted.map((m) => m.source)).size,
    filesFailed: 0,
    events,
    skippedRecords: 0,
    unknownLogsource: 0,
    hits,
    rulesHit: rulesHit.size,
    elapsedMs: performance.now() - started,
    compileMs,
    queries,
    rulesFailed,
    serverVersion: version,
  };
}

