/**
 * Hit writers: table (for people), JSONL, CSV and SARIF 2.1.0 (for tools). All stream: each hit is
 * written when found; SARIF writes its results array as it goes and the rule descriptors at the end.
 */
import type { HuntHit } from './hit.ts';

export type OutputFormat = 'table' | 'jsonl' | 'csv' | 'sarif';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'jsonl', 'csv', 'sarif'];

export interface HitWriter {
  write(hit: HuntHit): void;
  end(): void;
}

type Sink = (text: string) => void;

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function eventSummary(event: unknown): string {
  if (typeof event !== 'object' || event === null) return JSON.stringify(event) ?? '';
  const ev = (event as Record<string, unknown>)['Event'];
  const data = typeof ev === 'object' && ev !== null ? ((ev as Record<string, unknown>)['EventData'] ?? ev) : event;
  const pick = data as Record<string, unknown>;
  for (const k of ['CommandLine', 'ScriptBlockText', 'TargetFilename', 'TargetObject', 'ImageLoaded', 'QueryName', 'PipeName', 'Image']) {
    if (typeof pick[k] === 'string') return `${k}=${pick[k]}`;
  }
  return JSON.stringify(data) ?? '';
}

function flat(s: string): string {
  return s.replace(/\s+/g, ' ');
}

/**
 * Each id shortened to the fewest characters, at least `min`, that no other id starts with: SigmaHQ
 * has rules whose ids differ only in their last character, and those keep them all.
 */
export function uniquePrefixes(ids: readonly string[], min = 8): Map<string, string> {
  const sorted = [...new Set(ids)].sort();
  const common = (a: string | undefined, b: string): number => {
    if (a === undefined) return 0;
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  };
  const out = new Map<string, string>();
  sorted.forEach((id, i) => {
    const need = Math.max(common(sorted[i - 1], id), common(sorted[i + 1], id)) + 1;
    out.set(id, id.slice(0, Math.max(min, need)));
  });
  return out;
}

const LEVEL_SHORT: Record<string, string> = { informational: 'info' };

/**
 * The table for people. Columns: time, level, rule id (8 characters, more where two rules in use
 * share them), rule title (never cut), ATT&CK techniques, host, and the event. On a terminal the event is
 * what gives way so a row fits the width; the title, ID, techniques and host are never cut (a row
 * whose values are longer than their column pushes the rest right). On a pipe nothing is cut.
 */
function tableWriter(sink: Sink, options: TableOptions): HitWriter {
  const { width } = options;
  const ids = uniquePrefixes(options.ruleIds ?? [], 8);
  const idW = 8;
  const longestTitle = (options.ruleTitles ?? []).reduce((n, t) => Math.max(n, flat(t).length), 4);
  const fixed = 19 + 1 + 8 + 1 + idW + 1 + 16 + 1 + 20 + 1;
  // The title column: as wide as the longest title in use, but on a terminal at most half of what
  // the fixed columns leave (longer titles push the row right instead of being cut).
  const titleW = Math.max(4, Math.min(longestTitle, width === undefined ? 80 : Math.max(30, Math.floor((width - fixed) / 2))));
  const cols = [19, 8, idW, titleW, 16, 20];
  const row = (cells: readonly string[], event: string): string => {
    let line = '';
    cells.forEach((c, i) => {
      line += `${c.padEnd(cols[i] ?? 0)} `;
    });
    const ev = flat(event);
    if (width === undefined) return `${line}${ev}`.trimEnd();
    const room = width - line.length;
    const shown = ev.length <= room ? ev : room >= 2 ? `${ev.slice(0, room - 1)}…` : '';
    return `${line}${shown}`.trimEnd();
  };
  sink(`${row(['TIME', 'LEVEL', 'ID', 'RULE', 'ATT&CK', 'HOST'], 'EVENT')}\n`);
  return {
    write: (h) =>
      sink(
        `${row(
          [
            h.timestamp !== undefined ? h.timestamp.replace('T', ' ').slice(0, 19) : '-',
            LEVEL_SHORT[h.level ?? ''] ?? h.level ?? '-',
            h.ruleId === undefined ? '-' : (ids.get(h.ruleId) ?? h.ruleId),
            flat(h.title),
            h.techniques.join(',') || '-',
            flat(h.host ?? '-'),
          ],
          h.kind === 'correlation' ? (JSON.stringify(h.event) ?? '') : eventSummary(h.event),
        )}\n`,
      ),
    end: () => undefined,
  };
}

const SARIF_LEVEL: Record<string, string> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', informational: 'note' };

export interface TableOptions {
  /** The terminal's width; undefined (a pipe, a file) prints every value in full. */
  readonly width?: number | undefined;
  /** The ids of the rules in use: IDs are shortened to the fewest characters that keep them apart. */
  readonly ruleIds?: readonly string[];
  /** The titles of the rules in use: the rule column is as wide as the longest (within reason). */
  readonly ruleTitles?: readonly string[];
}

export function createHitWriter(format: OutputFormat, sink: Sink, options: TableOptions = {}): HitWriter {
  switch (format) {
    case 'jsonl':
      return { write: (h) => sink(`${JSON.stringify(h)}\n`), end: () => undefined };
    case 'csv': {
      sink('timestamp,level,rule_id,title,techniques,tactics,host,source,line,kind,event\n');
      return {
        write: (h) =>
          sink(
            `${[h.timestamp ?? '', h.level ?? '', h.ruleId ?? '', h.title, h.techniques.join(' '), h.tactics.join(' '), h.host ?? '', h.source, String(h.line), h.kind, JSON.stringify(h.event) ?? '']
              .map(csvCell)
              .join(',')}\n`,
          ),
        end: () => undefined,
      };
    }
    case 'sarif': {
      const rules = new Map<string, HuntHit>();
      let first = true;
      sink('{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"results":[');
      return {
        write(h) {
          const id = h.ruleId ?? h.title;
          if (!rules.has(id)) rules.set(id, h);
          const result = {
            ruleId: id,
            level: SARIF_LEVEL[h.level ?? ''] ?? 'warning',
            message: { text: `${h.title}${h.host !== undefined ? ` on ${h.host}` : ''}` },
            locations: [{ physicalLocation: { artifactLocation: { uri: h.source }, region: { startLine: h.line } } }],
            properties: { timestamp: h.timestamp, host: h.host, level: h.level, techniques: h.techniques, tactics: h.tactics, kind: h.kind, event: h.event },
          };
          sink(`${first ? '' : ','}\n${JSON.stringify(result)}`);
          first = false;
        },
        end() {
          const descriptors = [...rules.entries()].map(([id, h]) => ({
            id,
            name: h.title,
            shortDescription: { text: h.title },
            defaultConfiguration: { level: SARIF_LEVEL[h.level ?? ''] ?? 'warning' },
            properties: { tags: h.tags, level: h.level, status: h.status, techniques: h.techniques, tactics: h.tactics, ruleFile: h.ruleFile },
          }));
          sink(`\n],"tool":{"driver":{"name":"ttpgraph","informationUri":"https://github.com/SigmaHQ/sigma","rules":${JSON.stringify(descriptors)}}}}]}\n`);
        },
      };
    }
    case 'table':
      return tableWriter(sink, options);
  }
}
