/**
 * One key of a log inventory (what a hunt's logs hold): counted by src/hunt/inventory.ts, stored
 * by src/ingest/hunt/record-inventory.ts and read back by src/query/inventory.ts, so all three
 * share this shape.
 */
export interface InventoryEntry {
  /** The recognised log source: product[/service][/category] of the pipeline source, or `unknown`. */
  readonly logsource: string;
  readonly channel: string | null;
  readonly provider: string | null;
  readonly eventId: string | null;
  readonly count: number;
  readonly first: string | null;
  readonly last: string | null;
  /** Sorted; at most MAX_HOSTS of src/hunt/inventory.ts (the smallest names), `hostsTruncated` when there were more. */
  readonly hosts: readonly string[];
  readonly hostsTruncated: boolean;
}
