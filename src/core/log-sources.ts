/**
 * ATT&CK log sources as things a log inventory can hold. The mapping is data
 * (log-source-map.json beside this file, copied to dist/ by the build): a v18 analytic's log
 * source (`WinEventLog:Security`, channel `EventCode=4624, 4648`) becomes Windows channels and event
 * ids; a cloud one (`AWS:CloudTrail`) the log source hunt recognises (`aws/cloudtrail`); a data
 * component (<= v17) the log sources that record it.
 */
import { readFileSync } from 'node:fs';

export type LogRequirement =
  | { readonly kind: 'windows'; readonly channels: readonly string[]; readonly eventIds: readonly string[] | null }
  | { readonly kind: 'logsource'; readonly logsource: string }
  | { readonly kind: 'unmapped' };

export interface LogSourceRef {
  readonly name: string;
  readonly channel: string;
}

interface LogSourceMap {
  readonly windowsChannels: Record<string, string[]>;
  readonly sigmaLogsources: Record<string, string>;
  readonly dataComponents: Record<string, LogSourceRef[]>;
}

let loaded: LogSourceMap | undefined;

/** The mapping file, read once. */
export function logSourceMap(): LogSourceMap {
  loaded ??= JSON.parse(readFileSync(new URL('./log-source-map.json', import.meta.url), 'utf8')) as LogSourceMap;
  return loaded;
}

/** Event ids named by an analytic's channel text (`EventCode=4624, 4648`, `EventCode=4778, EventCode=4779`); null: it names none. */
export function eventIdsOf(channel: string | null): string[] | null {
  if (channel === null || !/^\s*EventCode\s*=/i.test(channel)) return null;
  const ids = channel.match(/\d+/g) ?? [];
  return ids.length === 0 ? null : [...new Set(ids.map((d) => String(Number(d))))];
}

/** What a log source (name and channel text) needs to be in an inventory. */
export function requirementOf(name: string, channel: string | null): LogRequirement {
  const map = logSourceMap();
  const lower = name.toLowerCase();
  const win = Object.entries(map.windowsChannels).find(([k]) => k.toLowerCase() === lower);
  if (win !== undefined) return { kind: 'windows', channels: win[1], eventIds: eventIdsOf(channel) };
  const sigma = Object.entries(map.sigmaLogsources).find(([k]) => k.toLowerCase() === lower);
  if (sigma !== undefined) return { kind: 'logsource', logsource: sigma[1] };
  const m = /^WinEventLog:(.+)$/i.exec(name);
  if (m !== null) return { kind: 'windows', channels: [m[1]!.trim()], eventIds: eventIdsOf(channel) };
  return { kind: 'unmapped' };
}

/** The log sources recording a data component (by name, any case); empty when the mapping has none. */
export function dataComponentSources(name: string): LogSourceRef[] {
  const lower = name.toLowerCase();
  return Object.entries(logSourceMap().dataComponents).find(([k]) => k.toLowerCase() === lower)?.[1] ?? [];
}

/** A requirement for people: `Security 4624, 4648`, `aws/cloudtrail`. */
export function describeRequirement(r: LogRequirement): string {
  if (r.kind === 'logsource') return r.logsource;
  if (r.kind === 'unmapped') return 'a log ttpgraph does not read (declare it)';
  return `${r.channels.join(' or ')}${r.eventIds === null ? ' (any event)' : ` event ${r.eventIds.join(', ')}`}`;
}
