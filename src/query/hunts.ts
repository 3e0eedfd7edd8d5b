/**
 * Saved hunts: the runs, and what a run found per technique (the "your logs" colouring of the
 * matrix and the hunt section of a technique's counts).
 */
import type { Store } from '../store/sqlite/store.ts';

export interface HuntRun {
  readonly id: number;
  readonly label: string | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly logs: string[];
  readonly rules: number;
  readonly files: number;
  readonly events: number;
  readonly hits: number;
}

export interface TechniqueHuntHits {
  readonly ruleId: string;
  readonly title: string;
  readonly level: string | null;
  readonly hits: number;
  readonly hosts: string[];
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
}

interface RunRow {
  id: number;
  label: string | null;
  started_at: string;
  finished_at: string;
  logs: string;
  rules: number;
  files: number;
  events: number;
  hits: number;
}

export function huntRuns(store: Store): HuntRun[] {
  return store.all<RunRow>('SELECT * FROM hunt_run ORDER BY id DESC').map((r) => ({
    id: r.id,
    label: r.label,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    logs: JSON.parse(r.logs) as string[],
    rules: r.rules,
    files: r.files,
    events: r.events,
    hits: r.hits,
  }));
}

/** Per saved run, how many distinct techniques its hits were tagged with. */
export function huntRunTechniqueCounts(store: Store): Map<number, number> {
  return new Map(store.all<{ run_id: number; n: number }>('SELECT run_id, count(DISTINCT attack_id) AS n FROM hunt_technique_hit GROUP BY run_id').map((r) => [r.run_id, r.n]));
}

/** The newest saved run, if any. */
export function latestHuntRun(store: Store): HuntRun | undefined {
  return huntRuns(store)[0];
}

/** Hits per ATT&CK ID in a run (default: the newest); sub-technique hits also count for their parent. */
export function huntHitsByTechnique(store: Store, runId?: number): Map<string, number> {
  const id = runId ?? latestHuntRun(store)?.id;
  const out = new Map<string, number>();
  if (id === undefined) return out;
  for (const r of store.all<{ attack_id: string; hits: number }>('SELECT attack_id, sum(hits) AS hits FROM hunt_technique_hit WHERE run_id = ? GROUP BY attack_id', id)) {
    out.set(r.attack_id, (out.get(r.attack_id) ?? 0) + r.hits);
    const parent = r.attack_id.split('.')[0];
    if (parent !== undefined && parent !== r.attack_id) out.set(parent, (out.get(parent) ?? 0) + r.hits);
  }
  return out;
}

/** The rules that fired for one technique (and its sub-techniques) in a run (default: the newest). */
export function techniqueHuntHits(store: Store, attackId: string, runId?: number): TechniqueHuntHits[] {
  const id = runId ?? latestHuntRun(store)?.id;
  if (id === undefined) return [];
  return store
    .all<{ rule_id: string; title: string; level: string | null; hits: number; hosts: string; first_seen: string | null; last_seen: string | null }>(
      `SELECT rule_id, title, level, sum(hits) AS hits, hosts, min(first_seen) AS first_seen, max(last_seen) AS last_seen
       FROM hunt_technique_hit WHERE run_id = ? AND (attack_id = ? OR attack_id LIKE ?) GROUP BY rule_id ORDER BY hits DESC`,
      id,
      attackId,
      `${attackId}.%`,
    )
    .map((r) => ({ ruleId: r.rule_id, title: r.title, level: r.level, hits: r.hits, hosts: JSON.parse(r.hosts) as string[], firstSeen: r.first_seen, lastSeen: r.last_seen }));
}
