/**
 * Saves a hunt's findings in the store, aggregated per technique and rule, so that pages and the
 * matrix can show what fired in the user's own logs. Feed hits as they stream; memory grows with
 * the number of distinct (technique, rule) pairs, not with the number of hits.
 */
import type { Store } from '../../store/sqlite/store.ts';

/** What the recorder needs of a hunt hit (a subset of src/hunt's HuntHit). */
export interface RecordableHit {
  readonly ruleId: string | undefined;
  readonly title: string;
  readonly level: string | undefined;
  readonly techniques: readonly string[];
  readonly timestamp: string | undefined;
  readonly host: string | undefined;
}

export interface HuntRunSummary {
  readonly label?: string | undefined;
  readonly startedAt: string;
  readonly logs: readonly string[];
  readonly rules: number;
  readonly files: number;
  readonly events: number;
  readonly hits: number;
}

interface Aggregate {
  attackId: string;
  ruleId: string;
  title: string;
  level: string | null;
  hits: number;
  hosts: Set<string>;
  first: string | null;
  last: string | null;
}

const MAX_HOSTS = 50;

export class HuntRecorder {
  private readonly byKey = new Map<string, Aggregate>();

  add(hit: RecordableHit): void {
    const ruleId = hit.ruleId ?? hit.title;
    for (const technique of hit.techniques) {
      const attackId = technique.toUpperCase();
      const key = `${attackId}\u0000${ruleId}`;
      let a = this.byKey.get(key);
      if (a === undefined) {
        a = { attackId, ruleId, title: hit.title, level: hit.level ?? null, hits: 0, hosts: new Set(), first: null, last: null };
        this.byKey.set(key, a);
      }
      a.hits++;
      if (hit.host !== undefined && a.hosts.size < MAX_HOSTS) a.hosts.add(hit.host);
      if (hit.timestamp !== undefined) {
        if (a.first === null || hit.timestamp < a.first) a.first = hit.timestamp;
        if (a.last === null || hit.timestamp > a.last) a.last = hit.timestamp;
      }
    }
  }

  /** Writes the run and its aggregates in one transaction; returns the run id. */
  save(store: Store, run: HuntRunSummary): number {
    return store.transaction(() => {
      const id = Number(
        store.run(
          'INSERT INTO hunt_run (label, started_at, finished_at, logs, rules, files, events, hits) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          run.label ?? null,
          run.startedAt,
          new Date().toISOString(),
          JSON.stringify(run.logs),
          run.rules,
          run.files,
          run.events,
          run.hits,
        ).lastInsertRowid,
      );
      const insert = store.statement(
        'INSERT INTO hunt_technique_hit (run_id, attack_id, rule_id, title, level, hits, hosts, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const a of this.byKey.values()) {
        insert.run(id, a.attackId, a.ruleId, a.title, a.level, a.hits, JSON.stringify([...a.hosts].sort()), a.first, a.last);
      }
      return id;
    });
  }
}
