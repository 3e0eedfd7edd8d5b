/**
 * The XML renderer: a frozen rendering of a real Security record in the evtx crate's layout (its
 * snapshot tests use the same: declaration, two-space indent, empty elements as open/close lines),
 * and, for every corpus record, XML and JSON agree on every EventData value.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEvtxSync } from '../../src/evtx/index.ts';
import { regressionFiles } from './helpers.ts';

const SECURITY_4648 = `<?xml version="1.0" encoding="utf-8"?>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="54849625-5478-4994-A5BA-3E3B0328C30D">
    </Provider>
    <EventID>4648</EventID>
    <Version>0</Version>
    <Level>0</Level>
    <Task>12544</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8020000000000000</Keywords>
    <TimeCreated SystemTime="2026-07-17T14:18:34.072213Z">
    </TimeCreated>
    <EventRecordID>34382</EventRecordID>
    <Correlation ActivityID="C96B491C-1545-0001-6049-6BC94515DD01">
    </Correlation>
    <Execution ProcessID="876" ThreadID="928">
    </Execution>
    <Channel>Security</Channel>
    <Computer>swachchhanda</Computer>
    <Security>
    </Security>
  </System>
  <EventData>
    <Data Name="SubjectUserSid">S-1-5-21-2555720767-1205513275-3893774561-1001</Data>
    <Data Name="SubjectUserName">xodih</Data>
    <Data Name="SubjectDomainName">SWACHCHHANDA</Data>
    <Data Name="SubjectLogonId">0x85527</Data>
    <Data Name="LogonGuid">00000000-0000-0000-0000-000000000000</Data>
    <Data Name="TargetUserName">testuser</Data>
    <Data Name="TargetDomainName">swachchhanda</Data>
    <Data Name="TargetLogonGuid">00000000-0000-0000-0000-000000000000</Data>
    <Data Name="TargetServerName">localhost</Data>
    <Data Name="TargetInfo">localhost</Data>
    <Data Name="ProcessId">0x378</Data>
    <Data Name="ProcessName">C:\\Users\\xodih\\OneDrive\\Desktop\\LegacyHive.exe</Data>
    <Data Name="IpAddress">-</Data>
    <Data Name="IpPort">-</Data>
  </EventData>
</Event>
`;

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

describe('EVTX XML rendering', () => {
  it('renders a Security 4648 record like the evtx crate', () => {
    const file = regressionFiles().find((f) => f.includes('win_security_explicit_credential_local_logon'))!;
    const recs = [...parseEvtxSync(readFileSync(file), { format: 'xml' })].flatMap((r) => (r.ok ? [r.record.xml] : []));
    expect(recs).toEqual([SECURITY_4648]);
  });

  it('agrees with the JSON renderer on every EventData value of the corpus', () => {
    let checked = 0;
    for (const file of regressionFiles()) {
      const bytes = readFileSync(file);
      const xml = [...parseEvtxSync(bytes, { format: 'xml' })].flatMap((r) => (r.ok ? [r.record.xml!] : []));
      const json = [...parseEvtxSync(bytes)].flatMap((r) => (r.ok ? [r.record.data!] : []));
      expect(xml.length).toBe(json.length);
      xml.forEach((doc, i) => {
        expect(doc.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<Event xmlns=')).toBe(true);
        const data = (json[i] as { Event: { EventData: Record<string, unknown> } }).Event.EventData;
        const pairs = [...doc.matchAll(/<Data Name="([^"]*)">([^<]*)<\/Data>/g)];
        expect(pairs.length, doc).toBe(Object.keys(data).filter((k) => k !== '#attributes').length);
        for (const [, name, value] of pairs) {
          expect(unescapeXml(value!)).toBe(String(data[unescapeXml(name!)]));
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(1500);
  });
});
