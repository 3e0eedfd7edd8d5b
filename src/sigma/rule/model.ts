/**
 * The typed rule model. Data structures first:
 *
 *   SigmaCollection  = { rules, correlations, filters, issues }  (one or many files)
 *   SigmaRule        = meta + logsource + Detection
 *   Detection        = identifiers (name -> SearchIdentifier) + condition AST (list conditions OR-ed)
 *   SearchIdentifier = OR of ItemGroup; ItemGroup = AND of DetectionItem
 *   DetectionItem    = field (null = keyword) + flags + values (typed at parse time by the modifiers)
 *   SigmaValue       = string pattern (parts with wildcards/placeholders) | null | regex | cidr | number compare |
 *                      exists | fieldref | time part
 *
 * Everything is a plain record: no classes, so the model can be serialised and compared in tests.
 */
import type { Position } from '../issues.ts';

export const ANY = 0; // `*`
export const ONE = 1; // `?`
export interface Placeholder {
  readonly placeholder: string;
}
/** A string pattern as parts: literal text, `*` (ANY), `?` (ONE), or an `%placeholder%` (only under `expand`). */
export type StringPart = string | typeof ANY | typeof ONE | Placeholder;

export type SigmaValue =
  | { readonly type: 'string'; readonly parts: readonly StringPart[] }
  | { readonly type: 'null' }
  /**
   * `source` as written (PCRE); `re2` the pattern RE2 matches (checked when the rule is parsed,
   * compiled with the rule: see modifiers/linear-regex.ts); `witness` the JavaScript form, used only
   * to find literals every match contains.
   */
  | { readonly type: 'regex'; readonly source: string; readonly re2: string; readonly flags: string; readonly witness: string | undefined }
  /** Checked when the rule is parsed; the test is built at compile time, so a parsed rule stays plain data (cloneable to worker threads). */
  | { readonly type: 'cidr'; readonly cidr: string }
  | { readonly type: 'compare'; readonly op: 'lt' | 'lte' | 'gt' | 'gte'; readonly value: number }
  | { readonly type: 'exists'; readonly value: boolean }
  | { readonly type: 'fieldref'; readonly field: string; readonly mode: 'eq' | 'startswith' | 'endswith' | 'contains' }
  | { readonly type: 'timepart'; readonly part: TimePart; readonly value: number };

export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

export interface DetectionItem {
  /** null for a keyword (field-less) search. */
  readonly field: string | null;
  readonly modifiers: readonly string[];
  readonly values: readonly SigmaValue[];
  /** `all`: values AND-ed instead of OR-ed. */
  readonly all: boolean;
  /** `neq`: the whole item negated (true when the field is missing). */
  readonly neq: boolean;
  /** `cased`: case-sensitive comparison. */
  readonly cased: boolean;
  readonly pos: Position | undefined;
}

export type ItemGroup = readonly DetectionItem[];

export interface SearchIdentifier {
  readonly name: string;
  /** OR of groups, each an AND of items. */
  readonly groups: readonly ItemGroup[];
  readonly pos: Position | undefined;
}

export type ConditionNode =
  | { readonly type: 'and'; readonly args: readonly ConditionNode[] }
  | { readonly type: 'or'; readonly args: readonly ConditionNode[] }
  | { readonly type: 'not'; readonly arg: ConditionNode }
  | { readonly type: 'id'; readonly name: string }
  | { readonly type: 'of'; readonly quantifier: 'any' | 'all'; readonly pattern: string; readonly names: readonly string[] };

export interface Detection {
  readonly identifiers: ReadonlyMap<string, SearchIdentifier>;
  readonly conditions: readonly string[];
  /** The list conditions OR-ed into one tree. */
  readonly condition: ConditionNode;
}

export interface Logsource {
  readonly product?: string;
  readonly category?: string;
  readonly service?: string;
  readonly definition?: string;
}

export type RuleStatus = 'stable' | 'test' | 'experimental' | 'deprecated' | 'unsupported';
export type RuleLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const LEVELS: readonly RuleLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];

/** Metadata shared by rules, correlations and filters; what the graph importer stores. */
export interface RuleMeta {
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly title: string;
  readonly status: RuleStatus | undefined;
  readonly level: RuleLevel | undefined;
  readonly description: string | undefined;
  readonly author: string | undefined;
  /** `YYYY-MM-DD` as written (YAML 1.1 dates are turned back into that form). */
  readonly date: string | undefined;
  readonly modified: string | undefined;
  readonly tags: readonly string[];
  readonly references: readonly string[];
  readonly falsepositives: readonly string[];
  readonly license: string | undefined;
  readonly file: string | undefined;
  /** Line of the document start in `file`. */
  readonly line: number;
  /** The document as plain data, every key kept (custom keys too). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface SigmaRule extends RuleMeta {
  readonly kind: 'rule';
  readonly logsource: Logsource;
  readonly detection: Detection;
}

export type CorrelationType =
  | 'event_count'
  | 'value_count'
  | 'temporal'
  | 'temporal_ordered'
  | 'value_sum'
  | 'value_avg'
  | 'value_percentile';

export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface SigmaCorrelation extends RuleMeta {
  readonly kind: 'correlation';
  readonly type: CorrelationType;
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  readonly timespanMs: number;
  readonly condition: Readonly<Partial<Record<CompareOp, number>>>;
  /** value_* types: the field(s) aggregated. */
  readonly field: readonly string[];
  readonly percentile: number | undefined;
  /** alias -> rule name/id -> field. */
  readonly aliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly generate: boolean;
}

export interface SigmaFilter extends RuleMeta {
  readonly kind: 'filter';
  readonly logsource: Logsource;
  /** Rule ids or names, or 'any'. */
  readonly rules: readonly string[] | 'any';
  readonly detection: Detection;
}

export type SigmaDocument = SigmaRule | SigmaCorrelation | SigmaFilter;

/** `*value*` without doubling existing edge wildcards (contains, keywords). */
export function wrapAny(p: readonly StringPart[]): StringPart[] {
  const out: StringPart[] = p[0] === ANY ? [] : [ANY];
  out.push(...p);
  if (p[p.length - 1] !== ANY) out.push(ANY);
  return out;
}
