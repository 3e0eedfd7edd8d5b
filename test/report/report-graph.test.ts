/**
 * Reports in the graph, over a real store (enterprise ATT&CK 15.1) and a model trained from it:
 * import (PDF, HTML, text, Markdown), explicit IDs and names found, one report per content,
 * nothing stored for bad input, review (accept shows the report on the technique page with the
 * summary; reject removes it), exports (Navigator layer; STIX bundle that `import stix` links back),
 * and training: deterministic, with TRAM annotations, keeping reviews when re-extracting.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtpgraphError } from '../../src/errors.ts';
import { VIA_ACCEPTED } from '../../src/query/imported-reports.ts';
import type { ObjectPage } from '../../src/query/object-page.ts';
import { graphWith, type TempGraph } from '../helpers/attack-store.ts';
import { dataPath } from '../helpers/paths.ts';
import { advisoryPdf, reportFixture } from '../helpers/report-fixtures.ts';

describe('imported reports in the graph', () => {
  let t: TempGraph;
  let pdfPath: string;
  const ids: Record<string, string> = {};
  const rows = (table: string): number => t.sql.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)?.n ?? -1;

  beforeAll(async () => {
    t = await graphWith('enterprise-attack-15.1.json');
    pdfPath = path.join(t.dir, 'apt40-advisory.pdf');
    writeFileSync(pdfPath, advisoryPdf());
    // The first import builds the model from the store (no `extract train` ran yet).
    const first = await t.graph.importReport(reportFixture('scattered-spider-article.html'));
    expect(first.trainedModel).toBe(true);
    ids.html = first.id;
    ids.pdf = (await t.graph.importReport(pdfPath)).id;
    ids.txt = (await t.graph.importReport(reportFixture('apt29-note.txt'))).id;
    ids.md = (await t.graph.importReport(reportFixture('apt29-note.md'))).id;
  });
  afterAll(() => t.dispose());

  it('stores title, publisher, date, URL, text, summary and hash per report', () => {
    const page = t.graph.importedReport(ids.html!);
    expect(page).toMatchObject({ title: 'Scattered Spider: help-desk social engineering and data theft', publisher: 'Example Threat Blog', published: '2023-11-16', url: 'https://blog.example.org/2023/11/scattered-spider', format: 'html' });
    expect(page.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(page.id).toBe(`rpt-${page.sha256.slice(0, 12)}`);
    expect(page.summary).toContain('This report describes the tactics, techniques and procedures of Scattered Spider');
    const pdf = t.graph.importedReport(ids.pdf!);
    expect(pdf).toMatchObject({ title: 'APT40 Advisory - PRC MSS tradecraft in action', publisher: 'Australian Cyber Security Centre', published: '2024-07-08', format: 'pdf' });
    // Newest publication first.
    expect(t.graph.importedReports().map((r) => r.id)).toEqual([ids.pdf, ids.md, ids.txt, ids.html]);
  });

  it('explicit IDs are proposed as certain, with the sentence that names them', () => {
    const cases: [string, string, string][] = [
      ['html', 'T1114', 'They collected email from the mailboxes of executives and security staff to watch the incident response (T1114).'],
      ['html', 'T1566.002', 'They sent phishing messages with links to fake single sign-on pages that harvested credentials (T1566.002).'],
      ['pdf', 'T1190', 'Atlassian Confluence (T1190).'],
      ['txt', 'T1059.001', 'an HTA file ran a PowerShell command (T1059.001)'],
      ['md', 'T1003.001', 'dumped credentials from LSASS memory (T1003.001)'],
    ];
    for (const [report, technique, sentence] of cases) {
      const found = t.graph.importedReport(ids[report]!).techniques.find((x) => x.id === technique);
      expect(found, `${report} ${technique}`).toMatchObject({ method: 'explicit', score: 1, status: 'proposed' });
      expect(found!.evidence[0]!.text).toContain(sentence);
    }
  });

  it('the model proposes techniques described in words, with evidence sentences', () => {
    const txt = t.graph.importedReport(ids.txt!);
    const scheduled = txt.techniques.find((x) => x.id === 'T1053.005');
    expect(scheduled?.method).toBe('model');
    expect(scheduled!.evidence[0]!.text).toBe('The operators used scheduled tasks to keep access after a reboot.');
    const pdf = t.graph.importedReport(ids.pdf!);
    expect(pdf.techniques.find((x) => x.id === 'T1505.003')?.evidence[0]?.text).toContain('web shells');
  });

  it('group, software and campaign names and aliases become links', () => {
    const names = (id: string): string[] => t.graph.importedReport(id).entities.map((e) => `${e.id} ${e.matched}`);
    expect(names(ids.html!)).toEqual(expect.arrayContaining(['G1015 Scattered Spider']));
    expect(names(ids.txt!)).toEqual(expect.arrayContaining(['G0016 APT29']));
    expect(names(ids.pdf!)).toEqual(expect.arrayContaining(['G0065 APT40']));
    // The group's page lists the report that names it.
    expect((t.graph.page('G1015').page as ObjectPage).reports.map((r) => r.id)).toContain(ids.html);
  });

  it('importing the same report twice stores one report', async () => {
    const before = rows('imported_report');
    const again = await t.graph.importReport(reportFixture('scattered-spider-article.html'));
    expect(again).toMatchObject({ status: 'unchanged', id: ids.html });
    // The same PDF bytes under another name are the same report too.
    const copy = path.join(t.dir, 'copy.pdf');
    writeFileSync(copy, advisoryPdf());
    expect((await t.graph.importReport(copy)).id).toBe(ids.pdf);
    expect(rows('imported_report')).toBe(before);
  });

  it('a bad PDF, an HTML page with no article, an empty file: a one-line error and nothing stored', async () => {
    const counts = (): number[] => ['imported_report', 'report_technique', 'report_entity'].map(rows);
    const before = counts();
    for (const name of ['broken.pdf', 'navigation-only.html', 'empty.txt']) {
      const err = await t.graph.importReport(reportFixture(name)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(TtpgraphError);
      expect((err as TtpgraphError).describe()).toMatch(new RegExp(`^${reportFixture(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [^\\n]+$`));
    }
    expect(counts()).toEqual(before);
  });

  it('accepting T1114 puts the report on the technique page with its summary; rejecting takes it off', () => {
    const onPage = () => t.graph.technique('T1114').reports.find((r) => r.id === ids.html);
    expect(onPage()).toBeUndefined();
    t.graph.reviewReport(ids.html!, { accept: ['T1114', 't1566.002'], reject: ['T1530'] });
    const link = onPage();
    expect(link).toMatchObject({ title: 'Scattered Spider: help-desk social engineering and data theft', source: 'Example Threat Blog', date: '2023-11-16', url: 'https://blog.example.org/2023/11/scattered-spider', via: VIA_ACCEPTED });
    expect(link!.summary).toBe(t.graph.importedReport(ids.html!).summary);
    // Newest first, among ATT&CK's own citations.
    const reports = t.graph.technique('T1114').reports;
    expect(reports.length).toBeGreaterThan(1);
    const dates = reports.map((r) => r.date ?? '').filter((d) => d !== '');
    expect(dates).toEqual([...dates].sort().reverse());
    expect(t.graph.importedReport(ids.html!).techniques.find((x) => x.id === 'T1530')?.status).toBe('rejected');
    t.graph.reviewReport(ids.html!, { reject: ['T1114'] });
    expect(onPage()).toBeUndefined();
    // A proposed technique is on the report page only.
    expect(t.graph.importedReport(ids.txt!).techniques.find((x) => x.id === 'T1059.001')?.status).toBe('proposed');
    expect(t.graph.technique('T1059.001').reports.map((r) => r.id)).not.toContain(ids.txt);
  });

  it('search finds imported reports by the words of their title', () => {
    expect(t.graph.searchAll('scattered spider help-desk')).toContainEqual(expect.objectContaining({ type: 'report', id: ids.html, name: 'Scattered Spider: help-desk social engineering and data theft', detail: 'imported report, Example Threat Blog, 2023-11-16' }));
    expect(t.graph.searchAll('apt40 advisory').map((h) => h.id)).toContain(ids.pdf);
  });

  it('review errors name the ID: unknown report, not a technique, two verdicts', () => {
    expect(() => t.graph.reviewReport('rpt-000000000000', { accept: ['T1114'] })).toThrow(/no imported report "rpt-000000000000"/);
    expect(() => t.graph.reviewReport(ids.txt!, { accept: ['G0016'] })).toThrow(/"G0016" is not a technique ID/);
    expect(() => t.graph.reviewReport(ids.txt!, { accept: ['T9999'] })).toThrow(/no technique T9999/);
    expect(() => t.graph.reviewReport(ids.txt!, { accept: ['T1114'], reject: ['T1114'] })).toThrow(/T1114 is given two verdicts/);
  });

  it("a report's techniques as a Navigator layer, and as a STIX 2.1 bundle that import stix links back", async () => {
    t.graph.reviewReport(ids.pdf!, { accept: ['T1190', 'T1114'], reject: ['T1505.003'] });
    const layer = t.graph.reportLayer(ids.pdf!, ['accepted']);
    expect(layer.versions.layer).toBe('4.5');
    expect(layer.domain).toBe('enterprise-attack');
    expect(layer.techniques.map((x) => x.techniqueID)).toEqual(['T1114', 'T1190']);
    expect(t.graph.reportLayer(ids.pdf!).techniques.map((x) => x.techniqueID)).not.toContain('T1505.003');

    const bundle = t.graph.reportStix(ids.pdf!, ['accepted']);
    const report = bundle.objects.find((o) => o.type === 'report') as { id: string; object_refs: string[]; spec_version: string; name: string };
    expect(report.spec_version).toBe('2.1');
    expect(report.name).toBe('APT40 Advisory - PRC MSS tradecraft in action');
    expect(t.graph.reportStix(ids.pdf!, ['accepted'])).toEqual(bundle);
    const file = path.join(t.dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(bundle));
    const imported = await t.graph.importStix(file);
    expect(imported).toMatchObject({ reports: 1, refs: report.object_refs.length, attackRefs: report.object_refs.length });
    const back = t.graph.report(report.id);
    expect(back.supports.filter((s) => s.type === 'technique').map((s) => s.id).sort()).toEqual(['T1114', 'T1190']);
    expect(back.supports.filter((s) => s.type === 'group').map((s) => s.id)).toEqual(['G0065']);
  });

  it('extract train is deterministic, learns from TRAM annotations, and keeps reviews when it re-extracts', async () => {
    t.graph.reviewReport(ids.txt!, { accept: ['T1059.001'], reject: ['T1566.002'] });
    const before = t.graph.importedReport(ids.txt!).techniques.filter((x) => x.status !== 'proposed');
    const a = await t.graph.trainExtractor();
    const b = await t.graph.trainExtractor();
    expect(b.sha256).toBe(a.sha256);
    expect(b.unchanged).toBe(true);
    expect(b.reports).toBe(4);
    const annotations = path.join(t.dir, 'tram');
    mkdirSync(annotations);
    for (const f of ['AA21076A TrickBot Malware.mjson', '3CXDesktopApp Backdoored in a Suspected Lazarus Campaign__.mjson']) cpSync(dataPath('tram', 'reports', f), path.join(annotations, f));
    const c = await t.graph.trainExtractor({ annotations });
    expect(c.sha256).not.toBe(a.sha256);
    expect(c.counts['annotation']).toBeGreaterThan(10);
    expect(c.counts['unlabelled sentence']).toBeGreaterThan(100);
    expect((await t.graph.extractorInfo())?.annotations).toBe(annotations);
    const after = t.graph.importedReport(ids.txt!).techniques.filter((x) => x.status !== 'proposed');
    expect(after.map((x) => [x.id, x.status])).toEqual(before.map((x) => [x.id, x.status]));
  });
});
