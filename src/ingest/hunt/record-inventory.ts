/**
 * Saves a log inventory (what a set of logs held, counted by src/hunt's InventoryCollector) in the
 * store: with a hunt run (`hunt --save`) or on its own (`logs inventory --save`). One transaction.
 */
import type { InventoryEntry } from '../../core/inventory.ts';
import type { Store } from '../../store/sqlite/store.ts';

export interface InventoryRunSummary {
  readonly runId?: number | undefined;
  readonly label?: string | undefined;
  readonly logs: readonly string[];
  readonly files: number;
  readonly events: number;
  readonly entries: readonly InventoryEntry[];
}

/** Writes the inventory (inside the caller's transaction when there is one); returns its id. */
export function saveInventory(store: Store, inv: InventoryRunSummary): number {
  return store.transaction(() => {
    const id = Number(
      store.run(
        'INSERT INTO log_inventory (run_id, label, created_at, logs, files, events) VALUES (?, ?, ?, ?, ?, ?)',
        inv.runId ?? null,
        inv.label ?? null,
        new Date().toISOString(),
        JSON.stringify(inv.logs),
        inv.files,
        inv.events,
      ).lastInsertRowid,
    );
    const insert = store.statement(
      'INSERT INTO log_inventory_entry (inventory_id, logsource, channel, provider, event_id, count, first_seen, last_seen, hosts, hosts_truncated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const e of inv.entries) insert.run(id, e.logsource, e.channel, e.provider, e.eventId, e.count, e.first, e.last, JSON.stringify(e.hosts), e.hostsTruncated ? 1 : 0);
    return id;
  });
}

/** Stores the declared coverage file's text (it replaces the one before); checked by the caller. */
export function saveDeclaredCoverage(store: Store, source: string, text: string): void {
  store.run('INSERT OR REPLACE INTO declared_coverage (id, source, text, declared_at) VALUES (1, ?, ?, ?)', source, text, new Date().toISOString());
}
