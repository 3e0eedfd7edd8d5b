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

function truncate(s: string, n: number): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length <= n ? flat : `${flat.slice(0, n - 1)}…`;
}

const SARIF_LEVEL: Record<string, string> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', informational: 'note' };

export function createHitWriter(format: OutputFormat, sink: Sink, width = 100): HitWriter {
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
    case 'table': {
      const cols = { time: 19, level: 13, tech: 14, host: 16 };
      const fixed = cols.time + cols.level + cols.tech + cols.host + 5;
      const titleW = Math.max(20, Math.floor((width - fixed) / 2));
      const evW = Math.max(10, width - fixed - titleW - 1);
      const row = (a: string, b: string, c: string, d: string, e: string, f: string): string =>
        `${truncate(a, cols.time).padEnd(cols.time)} ${truncate(b, cols.level).padEnd(cols.level)} ${truncate(c, titleW).padEnd(titleW)} ${truncate(d, cols.tech).padEnd(cols.tech)} ${truncate(e, cols.host).padEnd(cols.host)} ${truncate(f, evW)}`.trimEnd();
      sink(`${row('TIME', 'LEVEL', 'RULE', 'ATT&CK', 'HOST', 'EVENT')}\n`);
      return {
        write: (h) => sink(`${row(h.timestamp !== undefined ? h.timestamp.replace('T', ' ').slice(0, 19) : '-', h.level ?? '-', h.title, h.techniques.join(',') || '-', h.host ?? '-', h.kind === 'correlation' ? JSON.stringify(h.event) : eventSummary(h.event))}\n`),
        end: () => undefined,
      };
    }
  }
}
