/**
 * Terminal pages for groups, software, campaigns, mitigations, tactics, data sources, data
 * components, detection strategies and analytics: facts, then each relation as a list.
 */
import type { ControlPage } from '../../query/controls.ts';
import type { ObjectPage } from '../../query/object-page.ts';
import type { ReportPage } from '../../query/reports.ts';
import type { SearchHit } from '../../query/search.ts';
import type { RenderOptions } from './technique-page.ts';
import { plainText, wrap } from './text.ts';

const KIND_LABEL: Record<string, string> = {
  'data-source': 'data source',
  'data-component': 'data component',
  'detection-strategy': 'detection strategy',
};

export function renderObjectPage(page: ObjectPage, options: RenderOptions): string {
  const { width, style } = options;
  const lines: string[] = [];
  const kind = KIND_LABEL[page.type] ?? page.type;
  lines.push(style.bold(`${page.id}: ${page.name}`) + style.dim(`   (${kind}, ${page.domain} ATT&CK ${page.attackVersion})`));
  if (options.formerly) lines.push(style.dim(`${options.formerly.id} "${options.formerly.name}" was revoked; it is now ${page.id}.`));
  if (page.revokedBy !== null) lines.push(`REVOKED: replaced by ${page.revokedBy.id} ${page.revokedBy.name}`);
  if (page.deprecated) lines.push('DEPRECATED: ATT&CK no longer maintains this object.');
  if (page.url !== null) lines.push(page.url);
  if (page.aliases.length > 0) lines.push(wrap(`Also known as: ${page.aliases.join(', ')}`, width, ''));
  if (page.platforms.length > 0) lines.push(wrap(`Platforms: ${page.platforms.join(', ')}`, width, ''));
  if (page.description.trim() !== '') {
    lines.push('', style.heading('Description'), wrap(plainText(page.description), width, '  '));
  }
  if (page.logSources.length > 0) {
    lines.push('', style.heading('Log sources'));
    for (const ls of page.logSources) {
      const dc = ls.dataComponent === null ? '' : ` (${ls.dataComponent.id} ${ls.dataComponent.name})`;
      lines.push(wrap(`- ${ls.name}${ls.channel === null ? '' : `: ${ls.channel}`}${dc}`, width, '  '));
    }
  }
  for (const section of page.relations) {
    lines.push('', style.heading(`${section.title} (${section.items.length})`));
    if (section.items.length === 0) lines.push('  (none)');
    for (const item of section.items) {
      lines.push(`  ${style.bold(`${item.id} ${item.name}`)}`);
      if (item.description.trim() !== '') lines.push(wrap(plainText(item.description), width, '    '));
    }
  }
  if (page.reports.length > 0) {
    lines.push('', style.heading(`Reports (${page.reports.length})`));
    for (const r of page.reports.slice(0, 10)) lines.push(wrap(`${r.title}${r.date === null ? '' : ` (${r.date})`}`, width, '  '));
    if (page.reports.length > 10) lines.push(`  … and ${page.reports.length - 10} more (--json)`);
  }
  if (page.references.length > 0) {
    lines.push('', style.heading('References'));
    page.references.forEach((r, i) => {
      const text = [r.description ?? r.name, r.url].filter((x) => x !== null && x !== '').join(' ');
      lines.push(wrap(`[${i + 1}] ${text}`, width, '  ').replace(/\n {2}/g, '\n      '));
    });
  }
  return `${lines.join('\n')}\n`;
}

export function renderSearchHits(hits: readonly SearchHit[], options: RenderOptions): string {
  if (hits.length === 0) return 'no matches\n';
  const { width, style } = options;
  const lines: string[] = [];
  for (const h of hits) {
    const flags = [h.revoked ? 'revoked' : '', h.deprecated ? 'deprecated' : ''].filter((f) => f !== '').join(', ');
    const kind = KIND_LABEL[h.type] ?? h.type;
    lines.push(`${style.bold(`${h.id} ${h.name}`)} ${style.dim(`${kind}, ${h.domain} ${h.attackVersion}${flags === '' ? '' : `, ${flags}`}`)}`);
    if (h.snippet !== '') lines.push(style.dim(wrap(h.snippet, width, '    ')));
  }
  return `${lines.join('\n')}\n`;
}

export function renderControlPage(page: ControlPage, options: RenderOptions): string {
  const { width, style } = options;
  const lines: string[] = [];
  lines.push(style.bold(`${page.id}: ${page.name ?? ''}`) + style.dim(`   (${page.framework} ${page.frameworkVersion})`));
  if (page.group !== null) lines.push(`Family: ${page.group}`);
  if (page.otherVersions.length > 0) lines.push(style.dim(`Also in: ${page.otherVersions.join(', ')} (--framework-version)`));
  const mapped = page.techniques.filter((t) => t.status !== 'non_mappable');
  lines.push('', style.heading(`Techniques (${mapped.length})`));
  for (const t of mapped) {
    const type = t.mappingType === null ? '' : ` [${t.mappingType}${t.scoreValue === null ? '' : ` ${t.scoreValue}`}]`;
    lines.push(`  ${style.bold(`${t.id} ${t.name ?? ''}`)}${style.dim(`${type} ATT&CK ${t.domain} ${t.attackVersion}`)}`);
    if (t.comments !== null && t.comments.trim() !== '') lines.push(wrap(t.comments, width, '    '));
  }
  const unmappable = page.techniques.length - mapped.length;
  if (unmappable > 0) lines.push('', style.dim(`${unmappable} mapping row(s) of this control are marked non_mappable.`));
  return `${lines.join('\n')}\n`;
}

export function renderReportPage(page: ReportPage, options: RenderOptions): string {
  const { width, style } = options;
  const lines: string[] = [];
  lines.push(style.bold(page.title) + style.dim(`   (report${page.date === null ? '' : `, ${page.date}`}; ${page.domain} ATT&CK ${page.attackVersion})`));
  if (page.source !== null) lines.push(`By: ${page.source}`);
  if (page.url !== null) lines.push(page.url);
  if (page.summary !== null) lines.push('', wrap(page.summary, width, '  '));
  lines.push('', style.heading(`Supports (${page.supports.length})`));
  for (const s of page.supports) lines.push(wrap(`${s.id} ${s.name} ${style.dim(`(${KIND_LABEL[s.type] ?? s.type}; ${s.via})`)}`, width, '  '));
  return `${lines.join('\n')}\n`;
}
