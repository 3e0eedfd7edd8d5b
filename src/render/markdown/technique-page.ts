/**
 * A technique page as Markdown (the web page's "Export as Markdown"): the same sections in the same
 * order, for a report or a ticket. Text from ATT&CK is already Markdown-ish; link targets and
 * table cells are escaped so a name cannot break the document's structure.
 */
import { isStixId } from '../../core/attack.ts';
import { compareFrameworks, compareVersionsNewestFirst, frameworkLabel } from '../../core/frameworks.ts';
import type { TechniquePage } from '../../query/technique-page.ts';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
const inline = (text: string): string => text.replace(/([\\`*_[\]<>])/g, '\\$1');
const nodeText = (id: string, name: string): string => (isStixId(id) || id === name ? inline(name) : `${id} ${inline(name)}`);

export function techniqueMarkdown(page: TechniquePage): string {
  const out: string[] = [];
  const h = (level: number, text: string): void => {
    out.push('', `${'#'.repeat(level)} ${text}`, '');
  };
  out.push(`# ${page.id}: ${inline(page.name)}`, '');
  out.push(`- ATT&CK: ${page.domain} ${page.attackVersion}${page.url === null ? '' : ` (<${page.url}>)`}`);
  out.push(`- Tactics: ${page.tactics.map((t) => `${t.id} ${inline(t.name)}`).join(', ')}`);
  out.push(`- Platforms: ${page.platforms.join(', ')}`);
  if (page.parent !== null) out.push(`- Sub-technique of: ${page.parent.id} ${inline(page.parent.name)}`);
  if (page.subtechniques.length > 0) out.push(`- Sub-techniques: ${page.subtechniques.map((s) => `${s.id} ${inline(s.name)}`).join(', ')}`);
  h(2, 'Description');
  out.push(page.description.trim());
  h(2, 'Reporting on this technique');
  if (page.reports.length === 0) out.push('No reports cite this technique.');
  for (const r of page.reports) out.push(`- ${inline(r.title)}${r.date === null ? '' : ` (${r.date})`}${r.url === null ? '' : ` <${r.url}>`}`);
  h(2, 'Mitigations');
  if (page.mitigations.length === 0) out.push('ATT&CK lists no mitigations for this technique.');
  for (const m of page.mitigations) {
    out.push(`- **${m.id} ${inline(m.name)}**${m.usage.trim() === '' ? '' : `: Against this technique: ${m.usage.replace(/\s+/g, ' ').trim()}`}`);
  }
  h(2, 'How to detect');
  for (const d of page.detection.dataComponents) out.push(`- Data component: ${nodeText(d.id, d.name)}${d.dataSource === null ? '' : ` (${inline(d.dataSource)})`}`);
  for (const s of page.detection.strategies) out.push(`- Detection strategy: ${s.id} ${inline(s.name)}`);
  if (page.detection.dataComponents.length + page.detection.strategies.length === 0) out.push('Nothing recorded.');
  h(2, 'Sigma detections');
  if (page.sigma.length === 0) out.push('No Sigma rules in the store for this technique.');
  for (const r of page.sigma) out.push(`- ${inline(r.title)} (\`${r.id}\`${r.level === null ? '' : `, ${r.level}`}${r.subtechnique === null ? '' : `, for ${r.subtechnique}`})`);
  h(2, 'Controls');
  if (page.controls.length === 0) out.push('No control mappings in the store.');
  const controls = [...page.controls].sort((a, b) => compareFrameworks(a.framework, b.framework) || compareVersionsNewestFirst(a.frameworkVersion, b.frameworkVersion));
  let current = '';
  for (const c of controls) {
    const label = frameworkLabel(c.framework, c.frameworkVersion);
    if (label !== current) {
      h(3, label);
      current = label;
    }
    out.push(`- ${c.id} ${inline(c.name ?? '')}${c.mappingType === null ? '' : ` (${c.mappingType.replace(/_/g, ' ')})`}`);
  }
  h(2, 'Procedure examples');
  if (page.procedures.length === 0) out.push('No procedure examples.');
  else {
    out.push('| ID | Name | Description |', '| --- | --- | --- |');
    for (const p of page.procedures) out.push(`| ${p.id} | ${cell(p.name)} | ${cell(p.description)} |`);
  }
  h(2, 'References');
  page.references.forEach((r, i) => out.push(`${i + 1}. ${inline(r.name)}${r.url === null ? '' : ` <${r.url}>`}`));
  out.push('', '---', '', 'Data from MITRE ATT&CK®, © The MITRE Corporation, reproduced with its permission. Exported by ttpgraph.', '');
  return out.join('\n');
}
