/** One hunt finding, as every output format sees it. */
export interface HuntHit {
  readonly kind: 'rule' | 'correlation';
  readonly ruleId: string | undefined;
  readonly title: string;
  readonly level: string | undefined;
  readonly status: string | undefined;
  readonly techniques: readonly string[];
  readonly tactics: readonly string[];
  readonly tags: readonly string[];
  readonly timestamp: string | undefined;
  readonly host: string | undefined;
  /** Log file and 1-based line of the matched event (for correlations: the event that completed it). */
  readonly source: string;
  readonly line: number;
  readonly ruleFile: string | undefined;
  /** The matched event as read; for correlations the group-by values and the aggregate. */
  readonly event: unknown;
}
