/** Small handmade inputs for the hunt and CLI tests, written into a temp dir. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const GOOD_RULE = `title: Whoami Execution
id: 11111111-1111-4111-8111-111111111111
status: test
level: high
tags:
  - attack.discovery
  - attack.t1033
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\\whoami.exe'
  condition: selection
`;

export const LOW_RULE = `title: Any Cmd
id: 22222222-2222-4222-8222-222222222222
status: experimental
level: low
tags:
  - attack.execution
  - attack.t1059.003
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\\cmd.exe'
  condition: selection
`;

export const UNKNOWN_MODIFIER_RULE = `title: Typo
id: 33333333-3333-4333-8333-333333333333
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    CommandLine|contians: whoami
  condition: selection
`;

export const MALFORMED_YAML_RULE = `title: Broken
id: 44444444-4444-4444-8444-444444444444
logsource:
  product: windows
detection:
  selection:
    Image: [a, b
  condition: selection
`;

export function sysmonEvent(image: string, host = 'WS1'): Record<string, unknown> {
  return {
    Event: {
      System: {
        EventID: 1,
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        Computer: host,
        TimeCreated: { '#attributes': { SystemTime: '2026-01-02T03:04:05.000Z' } },
      },
      EventData: { Image: image, CommandLine: image },
    },
  };
}

export interface Fixture {
  readonly rulesDir: string;
  readonly goodRule: string;
  readonly badModifier: string;
  readonly badYaml: string;
  readonly ndjson: string;
  readonly ndjsonWithJunk: string;
  readonly jsonArray: string;
  readonly gz: string;
  readonly truncatedGz: string;
  readonly noHits: string;
}

export function writeFixture(dir: string): Fixture {
  const rulesDir = path.join(dir, 'rules');
  const w = (name: string, text: string | Buffer): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  mkdirSync(rulesDir, { recursive: true });
  const goodRule = w('rules/good.yml', GOOD_RULE);
  w('rules/low.yml', LOW_RULE);
  const badModifier = w('bad-modifier.yml', UNKNOWN_MODIFIER_RULE);
  const badYaml = w('bad-yaml.yml', MALFORMED_YAML_RULE);
  const lines = [sysmonEvent('C:\\Windows\\System32\\whoami.exe'), sysmonEvent('C:\\Windows\\System32\\cmd.exe', 'WS2'), sysmonEvent('C:\\Windows\\notepad.exe')].map((e) => JSON.stringify(e));
  const ndjson = w('events.ndjson', `${lines.join('\n')}\n`);
  const ndjsonWithJunk = w('junk.ndjson', `${lines[0]}\nthis is not json\n${lines[1]}\n`);
  const jsonArray = w('events.json', JSON.stringify([sysmonEvent('C:\\x\\whoami.exe'), sysmonEvent('C:\\x\\calc.exe')], null, 2));
  const many = Array.from({ length: 3000 }, (_, i) => JSON.stringify(sysmonEvent(i === 2999 ? 'C:\\x\\whoami.exe' : `C:\\x\\p${i}.exe`))).join('\n');
  const gzBuf = gzipSync(Buffer.from(many));
  const gz = w('events.ndjson.gz', gzBuf);
  const truncatedGz = w('truncated.ndjson.gz', gzBuf.subarray(0, Math.floor(gzBuf.length / 2)));
  const noHits = w('nohits.ndjson', `${JSON.stringify(sysmonEvent('C:\\x\\calc.exe'))}\n`);
  return { rulesDir, goodRule, badModifier, badYaml, ndjson, ndjsonWithJunk, jsonArray, gz, truncatedGz, noHits };
}
