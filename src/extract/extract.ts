/**
 * From a report's text to proposed techniques: every sentence is scored by the classifier, and a
 * technique is proposed for the report when its sentences, taken together, are convincing enough
 * (the classifier's report score: for the techniques annotated reports taught it, the best
 * sentence's probability; for the others, noisy-or of the three best sentence similarities).
 * Technique IDs written in the text (T1059.001) are certain. Names of groups, software and
 * campaigns (and their aliases) are found as whole words.
 */
import type { Classifier } from './model.ts';
import { type Sentence, splitSentences } from './text.ts';

export interface Evidence {
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

export interface TechniqueProposal {
  readonly attackId: string;
  readonly name: string;
  /** 1 for an explicit ID; else the aggregated model score (0..1). */
  readonly score: number;
  readonly method: 'explicit' | 'model';
  /** Sentences that show it, best first (at most five), as offsets into the text. */
  readonly evidence: Evidence[];
}

// T1059.001, and in ATT&CK links the sub-technique's path form (attack.mitre.org/techniques/T1546/003/).
const EXPLICIT_ID = /(?<![\w.])T\d{4}(?:\.\d{3}|(?<=techniques\/T\d{4})\/\d{3}(?!\d))?(?![\w])/g;
const MAX_EVIDENCE = 5;
/**
 * A long report gathers weak evidence for many techniques; a reviewer reads the best ones. Model
 * proposals beyond this many (by score) are dropped; written IDs are always kept.
 */
export const MAX_MODEL_PROPOSALS = 40;
const MAX_SENTENCE_CHARS = 1200;

export interface ExtractOptions {
  /** Technique IDs the store knows, with names: explicit IDs outside it are ignored. */
  readonly techniques: ReadonlyMap<string, string>;
  /** Override the model's report threshold (for evaluation). */
  readonly reportThreshold?: number;
  /** Treat written IDs as certain (default true; the evaluation measures the model without them too). */
  readonly explicitIds?: boolean;
}

export function extractTechniques(text: string, classifier: Classifier | null, options: ExtractOptions): TechniqueProposal[] {
  const sentences = splitSentences(text);
  const byId = new Map<string, { scores: Evidence[]; explicit: Evidence[] }>();
  const entry = (id: string): { scores: Evidence[]; explicit: Evidence[] } => {
    let e = byId.get(id);
    if (e === undefined) {
      e = { scores: [], explicit: [] };
      byId.set(id, e);
    }
    return e;
  };
  const explicitIds = options.explicitIds !== false;
  for (const s of sentences) {
    if (explicitIds) for (const m of s.text.matchAll(EXPLICIT_ID)) {
      const id = m[0].replace('/', '.');
      if (options.techniques.has(id)) entry(id).explicit.push({ start: s.start, end: s.end, score: 1 });
    }
    if (classifier === null || !isProse(s)) continue;
    for (const { label, score } of classifier.score(s.text.slice(0, MAX_SENTENCE_CHARS))) {
      entry(label).scores.push({ start: s.start, end: s.end, score });
    }
  }
  const out: TechniqueProposal[] = [];
  for (const [id, e] of byId) {
    const name = options.techniques.get(id) ?? classifier?.labels.get(id) ?? id;
    if (e.explicit.length > 0) {
      out.push({ attackId: id, name, score: 1, method: 'explicit', evidence: dedupe([...e.explicit, ...e.scores.sort(byScore)]).slice(0, MAX_EVIDENCE) });
      continue;
    }
    const best = e.scores.sort(byScore);
    const score = classifier === null ? 0 : classifier.reportScore(id, best.map((s) => s.score));
    if (score >= (options.reportThreshold ?? classifier?.reportThreshold(id) ?? 1)) out.push({ attackId: id, name, score: round(score), method: 'model', evidence: best.slice(0, MAX_EVIDENCE).map((s) => ({ ...s, score: round(s.score) })) });
  }
  out.sort((a, b) => b.score - a.score || a.attackId.localeCompare(b.attackId));
  let kept = 0;
  return out.filter((p) => p.method === 'explicit' || (options.reportThreshold === 0 ? true : ++kept <= MAX_MODEL_PROPOSALS));
}

/** Headings, table rows and lists of hashes say little: a sentence needs a few real words. */
function isProse(s: Sentence): boolean {
  const letters = s.text.match(/[A-Za-z]{3,}/g);
  return letters !== null && letters.length >= 4;
}

function byScore(a: Evidence, b: Evidence): number {
  return b.score - a.score || a.start - b.start;
}

function dedupe(list: Evidence[]): Evidence[] {
  const seen = new Set<number>();
  return list.filter((e) => (seen.has(e.start) ? false : (seen.add(e.start), true)));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export interface NamedObject {
  readonly attackId: string;
  readonly kind: string;
  readonly name: string;
  /** What to look for: the name itself or one of its aliases. */
  readonly alias: string;
}

export interface NameMatch {
  readonly attackId: string;
  readonly kind: string;
  readonly name: string;
  /** The words as they stand in the text (a name or an alias). */
  readonly matched: string;
  readonly count: number;
  readonly first: number;
}

// Capitalised words that are also names of ATT&CK software; as words in prose they name nothing.
const AMBIGUOUS = new Set(['Net', 'Ping', 'Tor', 'Reg', 'Cmd', 'Empire', 'Expand', 'Page', 'Pony', 'Agent', 'Calendar', 'Group', 'Duke', 'Gold', 'Spark', 'Ranger', 'Flame', 'Crutch', 'Gazer', 'Lucifer', 'Prestige', 'Windows', 'Remote']);

/**
 * Group, software and campaign names and aliases written in the text, as whole words and with
 * their case (so the tool "at" is not every "at"). Names shorter than three characters, and
 * capitalised common words that are also names, are not looked for.
 */
export function findNames(text: string, objects: readonly NamedObject[]): NameMatch[] {
  const byName = new Map<string, NamedObject>();
  for (const o of objects) {
    const n = o.alias.trim();
    if (n.length < 3 || AMBIGUOUS.has(n) || !/[A-Z0-9]/.test(n)) continue;
    if (!byName.has(n)) byName.set(n, o);
  }
  if (byName.size === 0) return [];
  const names = [...byName.keys()].sort((a, b) => b.length - a.length || a.localeCompare(b));
  const pattern = new RegExp(`(?<![\\w-])(?:${names.map(escapeRegExp).join('|')})(?![\\w-])`, 'g');
  const found = new Map<string, { o: NamedObject; matched: string; count: number; first: number }>();
  for (const m of text.matchAll(pattern)) {
    const o = byName.get(m[0]);
    if (o === undefined) continue;
    const e = found.get(o.attackId);
    if (e === undefined) found.set(o.attackId, { o, matched: m[0], count: 1, first: m.index });
    else e.count++;
  }
  return [...found.values()]
    .map(({ o, matched, count, first }) => ({ attackId: o.attackId, kind: o.kind, name: o.name, matched, count, first }))
    .sort((a, b) => a.first - b.first);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
