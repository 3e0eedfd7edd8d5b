/** Coverage levels, worst first: nothing seen; the logs hold what an analytic needs; a rule could run on them; a rule fired. */
export const COVERAGE_LEVELS = ['none', 'visible', 'detectable', 'detected'] as const;
export type CoverageLevel = (typeof COVERAGE_LEVELS)[number];

export function levelRank(l: CoverageLevel): number {
  return COVERAGE_LEVELS.indexOf(l);
}

export function isCoverageLevel(s: string): s is CoverageLevel {
  return (COVERAGE_LEVELS as readonly string[]).includes(s);
}

export function maxLevel(a: CoverageLevel, b: CoverageLevel): CoverageLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}
