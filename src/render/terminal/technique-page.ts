/**
 * The technique page for a terminal: the sections of the reference page, in its order, wrapped
 * to the terminal width, links printed in full so they can be clicked or copied.
 */
import type { NodeRef } from '../../query/lookup.ts';
import type { TechniquePage } from '../../query/technique-page.ts';
import { plainText, type TextStyle, wrap } from './text.ts';

export interface RenderOptions {
  readonly width: number;
  readonly style: TextStyle;
  /** When the ID asked for was revoked and this page is its replacement. */
  readonly formerly?: NodeRef | null;
}

export function renderTechniquePage(page: TechniquePage, options: RenderOptions): string {
  const { width, style } = options;
  const lines: string[] = [];
  const section = (title: string): void => {
    lines.push('', style.heading(title));
  };
  const para = (text: string, indent = '  '): void => {
    if (text.trim() !== '') lines.push(wrap(plainText(text), width, indent));
  };

  const title = `${page.id}: ${page.name}`;
  lines.push(style.bold(title) + style.dim(`   (${page.domain} ATT&CK ${page.attackVersion})`));
  if (options.formerly) lines.push(style.dim(`${options.formerly.id} "${options.formerly.name}" was revoked; it is now ${page.id}.`));
  if (page.revokedBy !== null) lines.push(`REVOKED: replaced by ${page.revokedBy.id} ${page.revokedBy.name}`);
  if (page.deprecated) lines.push('DEPRECATED: ATT&CK no longer maintains this technique.');
  if (page.url !== null) lines.push(page.url);
  lines.push('');
  const facts: [string, string][] = [
    ['Tactics', page.tactics.map((t) => `${t.name} (${t.id})`).join(', ')],
    ['Platforms', page.platforms.join(', ')],
  ];
  if (page.parent !== null) facts.push(['Parent', `${page.parent.id} ${page.parent.name}`]);
  if (page.subtechniques.length > 0) facts.push(['Sub-techniques', page.subtechniques.map((s) => `${s.id} ${s.name}`).join(', ')]);
  for (const [label, value] of facts) {
    if (value !== '') lines.push(wrap(`${label}: ${value}`, width, '').replace(/\n/g, '\n    '));
  }

  section('Description');
  para(page.description);

  section('Reporting on this technique');
  if (page.reports.length === 0) lines.push('  (no reports in the store cite this technique or its procedures)');
  const shown = page.reports.slice(0, 15);
  for (const r of shown) {
    lines.push(`  ${style.bold(r.title)}${r.date === null ? '' : style.dim(`  ${r.date}`)}`);
    if (r.summary !== null && r.summary !== r.title) lines.push(wrap(plainText(r.summary), width, '    '));
    lines.push(style.dim(wrap(`via ${r.via}`, width, '    ')));
    if (r.url !== null) lines.push(`    ${r.url}`);
  }
  if (page.reports.length > shown.length) lines.push(`  … and ${page.reports.length - shown.length} more (show ${page.id} --json)`);

  section('Mitigations');
  if (page.mitigations.length === 0) lines.push('  (none in this ATT&CK version)');
  for (const m of page.mitigations) {
    lines.push(`  ${style.bold(`${m.id} ${m.name}`)}`);
    para(firstParagraph(m.description), '    ');
    if (m.usage.trim() !== '') para(`Against this technique: ${m.usage}`, '    ');
  }

  section('How to detect');
  const { dataComponents, strategies } = page.detection;
  if (dataComponents.length === 0 && strategies.length === 0) lines.push('  (no detection data in this ATT&CK version)');
  if (dataComponents.length > 0) {
    lines.push(`  ${style.bold('Data components')}`);
    for (const dc of dataComponents) {
      const source = dc.dataSource === null ? '' : ` (${dc.dataSource})`;
      const id = dc.id.startsWith('x-mitre') ? '' : ` ${style.dim(dc.id)}`;
      lines.push(`    ${dc.name}${source}${id}`);
      para(firstParagraph(dc.description), '      ');
    }
  }
  if (strategies.length > 0) {
    lines.push(`  ${style.bold('Detection strategies')}`);
    for (const s of strategies) {
      lines.push(`    ${s.id} ${s.name}`);
      for (const a of s.analytics) {
        const platforms = a.platforms.length > 0 ? ` [${a.platforms.join(', ')}]` : '';
        lines.push(`      ${a.id}${platforms}`);
        for (const ls of a.logSources) {
          const dc = ls.dataComponent === null ? '' : style.dim(` (${ls.dataComponent.name})`);
          lines.push(wrap(`- ${ls.name}${ls.channel === null ? '' : `: ${ls.channel}`}`, width, '        ') + dc);
        }
      }
    }
  }

  section('Sigma detections');
  if (page.sigma.length === 0) lines.push('  (no Sigma rules in the store cover this technique: ttpgraph import sigma PATH, or ttpgraph sync)');
  for (const r of page.sigma) {
    const from = r.subtechnique === null ? '' : style.dim(` (from ${r.subtechnique})`);
    const ls = [r.logsource.product, r.logsource.category, r.logsource.service].filter((x) => x !== null).join('/');
    lines.push(`  ${style.bold(r.title)}${from}`);
    lines.push(style.dim(`    ${[r.level, r.status, ls].filter((x) => x !== null && x !== '').join(', ')}  ttpgraph sigma show ${r.id}`));
  }

  if (page.coverage !== null) {
    const c = page.coverage;
    section('Your coverage');
    lines.push(`  ${style.bold(c.level)}${c.declared ? ' (declared)' : ''}`);
    for (const r of c.reasons) lines.push(`  - ${r}`);
    for (const a of c.analytics) {
      const have = a.logSources.filter((l) => l.present).map((l) => `${l.name}${l.presentEventIds.length > 0 ? ` ${l.presentEventIds.join(',')}` : ''}`);
      lines.push(`  ${a.id} (${a.platforms.join(', ')}): ${have.length === 0 ? 'no log source in your logs' : `present: ${have.join('; ')}`}`);
    }
    for (const g of c.gaps) lines.push(style.dim(`  to reach ${g.reaches}: ${g.what}`));
  }

  section('Controls');
  if (page.controls.length === 0) lines.push('  (no control mappings in the store: ttpgraph import mappings FILE|URL, or ttpgraph sync)');
  const frameworks = new Map<string, typeof page.controls>();
  for (const c of page.controls) {
    const key = `${c.framework} ${c.frameworkVersion}`;
    frameworks.set(key, [...(frameworks.get(key) ?? []), c]);
  }
  for (const [framework, controls] of frameworks) {
    const made = [...new Set(controls.map((c) => c.attackVersion))].join(', ');
    lines.push(`  ${style.bold(framework)} ${style.dim(`(${controls.length}; mapped for ATT&CK ${made})`)}`);
    for (const c of controls) {
      const type = c.mappingType === null ? '' : style.dim(` [${c.mappingType}]`);
      lines.push(wrap(`${c.id} ${c.name ?? ''}`, width, '    ') + type);
    }
  }

  section('Procedure examples');
  if (page.procedures.length === 0) lines.push('  (none recorded)');
  for (const p of page.procedures) {
    lines.push(`  ${style.bold(`${p.id} ${p.name}`)} ${style.dim(`(${p.type})`)}`);
    para(p.description, '    ');
  }

  if (page.references.length > 0) {
    section('References');
    page.references.forEach((r, i) => {
      const text = [r.description ?? r.name, r.url].filter((x) => x !== null && x !== '').join(' ');
      lines.push(wrap(`[${i + 1}] ${text}`, width, '  ').replace(/\n {2}/g, '\n      '));
    });
  }
  return `${lines.join('\n')}\n`;
}

/** Long v18 descriptions carry lists of examples and measures; a technique page shows their lead (`show M…` has the rest). */
function firstParagraph(text: string): string {
  const cut = text.search(/\n\s*\n|Examples:|This mitigation can be implemented/);
  return cut > 0 ? text.slice(0, cut).trim() : text;
}
