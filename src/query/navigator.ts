/**
 * ATT&CK Navigator layers (layer format 4.5). Export: one score per technique from any matrix
 * colouring. Import: a layer's techniques as an overlay (score, colour, comment per technique ID),
 * validated field by field; pure functions, so the browser bundle uses the same parser.
 */

export interface NavigatorTechnique {
  readonly techniqueID: string;
  readonly score: number;
  readonly color: string;
  readonly comment: string;
  readonly enabled: boolean;
  readonly showSubtechniques: boolean;
}

export interface NavigatorLayer {
  readonly name: string;
  readonly versions: { readonly attack: string; readonly navigator: string; readonly layer: '4.5' };
  readonly domain: string;
  readonly description: string;
  readonly sorting: number;
  readonly hideDisabled: boolean;
  readonly techniques: NavigatorTechnique[];
  readonly gradient: { readonly colors: string[]; readonly minValue: number; readonly maxValue: number };
  readonly legendItems: { readonly label: string; readonly color: string }[];
  readonly metadata: { readonly name: string; readonly value: string }[];
  readonly showTacticRowBackground: boolean;
  readonly selectTechniquesAcrossTactics: boolean;
  readonly selectSubtechniquesWithParent: boolean;
}

export const GRADIENT = ['#ffffff', '#fdae61', '#d7191c'];

export function layerOf(options: {
  readonly domain: string;
  readonly attackVersion: string;
  readonly metric: string;
  readonly counts: ReadonlyMap<string, number>;
}): NavigatorLayer {
  const max = Math.max(1, ...options.counts.values());
  const techniques = [...options.counts.entries()]
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([techniqueID, score]) => ({ techniqueID, score, color: '', comment: `${score} ${options.metric}`, enabled: true, showSubtechniques: false }));
  return {
    name: `ttpgraph: ${options.metric} per technique`,
    versions: { attack: options.attackVersion.split('.')[0] ?? options.attackVersion, navigator: '5.1.0', layer: '4.5' },
    domain: `${options.domain}-attack`,
    description: `Number of ${options.metric} per technique in ATT&CK ${options.domain} ${options.attackVersion}, exported by ttpgraph.`,
    sorting: 3,
    hideDisabled: false,
    techniques,
    gradient: { colors: GRADIENT, minValue: 0, maxValue: max },
    legendItems: [],
    metadata: [{ name: 'metric', value: options.metric }],
    showTacticRowBackground: false,
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
  };
}

export interface OverlayEntry {
  readonly score: number | null;
  readonly color: string | null;
  readonly comment: string;
}

export interface Overlay {
  readonly name: string;
  readonly domain: string | null;
  readonly entries: Map<string, OverlayEntry>;
  readonly maxScore: number;
}

const TECHNIQUE_ID = /^T\d{4}(?:\.\d{3})?$/;
const COLOR = /^#[0-9a-fA-F]{6}$/;

/** Reads a Navigator layer (4.x) as an overlay; throws an Error naming what is wrong. */
export function parseLayer(value: unknown): Overlay {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('a Navigator layer is a JSON object');
  const layer = value as Record<string, unknown>;
  if (!Array.isArray(layer.techniques)) throw new Error('the layer has no "techniques" list');
  const entries = new Map<string, OverlayEntry>();
  let maxScore = 0;
  layer.techniques.forEach((t: unknown, i) => {
    if (t === null || typeof t !== 'object') throw new Error(`techniques[${i}] is not an object`);
    const item = t as Record<string, unknown>;
    const id = item.techniqueID;
    if (typeof id !== 'string' || !TECHNIQUE_ID.test(id)) throw new Error(`techniques[${i}].techniqueID is not a technique ID like T1114`);
    if (item.enabled === false) return;
    const score = typeof item.score === 'number' && Number.isFinite(item.score) ? item.score : null;
    const color = typeof item.color === 'string' && COLOR.test(item.color) ? item.color : null;
    const comment = typeof item.comment === 'string' ? item.comment.slice(0, 500) : '';
    if (score === null && color === null && comment === '') return;
    if (score !== null) maxScore = Math.max(maxScore, score);
    entries.set(id, { score, color, comment });
  });
  return {
    name: typeof layer.name === 'string' ? layer.name.slice(0, 200) : 'layer',
    domain: typeof layer.domain === 'string' ? layer.domain : null,
    entries,
    maxScore,
  };
}

/** A colour between white and red for n out of max (0 → no colour). */
export function heatColor(n: number, max: number): string | null {
  if (n <= 0 || max <= 0) return null;
  const t = Math.min(1, n / max);
  const mix = (a: number, b: number, f: number): number => Math.round(a + (b - a) * f);
  // white → orange (#fdae61) → red (#d7191c)
  const [r, g, b] = t < 0.5 ? [mix(255, 253, t * 2), mix(255, 174, t * 2), mix(255, 97, t * 2)] : [mix(253, 215, t * 2 - 1), mix(174, 25, t * 2 - 1), mix(97, 28, t * 2 - 1)];
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
