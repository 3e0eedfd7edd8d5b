/**
 * Saved log inventories (`hunt --save`, `logs inventory --save`): the newest one is what coverage
 * reads as "the logs you have".
 */
import type { InventoryEntry } from '../core/inventory.ts';
import type { Store } from '../store/sqlite/store.ts';

export interface SavedInventory {
  readonly id: number;
  /** The hunt run it was saved with, or null (`logs inventory --save`). */
  readonly runId: number | null;
  readonly label: string | null;
  readonly createdAt: string;
  readonly logs: string[];
  readonly files: number;
  readonly events: number;
  readonly entries: InventoryEntry[];
}

interface InventoryRow {
  id: number;
  run_id: number | null;
  label: string | null;
  created_at: string;
  logs: string;
  files: number;
  events: number;
}

/** The newest saved inventory (or the one with `id`), with its entries; undefined when there is none. */
export function savedInventory(store: Store, id?: number): SavedInventory | undefined {
  const row =
    id === undefined
      ? store.get<InventoryRow>('SELECT * FROM log_inventory ORDER BY id DESC LIMIT 1')
      : store.get<InventoryRow>('SELECT * FROM log_inventory WHERE id = ?', id);
  if (row === undefined) return undefined;
  const entries = store
    .all<{ logsource: string; channel: string | null; provider: string | null; event_id: string | null; count: number; first_seen: string | null; last_seen: string | null; hosts: string; hosts_truncated: number }>(
      'SELECT * FROM log_inventory_entry WHERE inventory_id = ? ORDER BY rowid',
      row.id,
    )
    .map((e) => ({
      logsource: e.logsource,
      channel: e.channel,
      provider: e.provider,
      eventId: e.event_id,
      count: e.count,
      first: e.first_seen,
      last: e.last_seen,
      hosts: JSON.parse(e.hosts) as string[],
      hostsTruncated: e.hosts_truncated === 1,
    }));
  return { id: row.id, runId: row.run_id, label: row.label, createdAt: row.created_at, logs: JSON.parse(row.logs) as string[], files: row.files, events: row.events, entries };
}

/** The declared coverage file stored with `coverage declare`, or undefined. */
export function storedDeclaration(store: Store): { source: string; text: string; declaredAt: string } | undefined {
  const r = store.get<{ source: string; text: string; declared_at: string }>('SELECT source, text, declared_at FROM declared_coverage WHERE id = 1');
  return r === undefined ? undefined : { source: r.source, text: r.text, declaredAt: r.declared_at };
}
