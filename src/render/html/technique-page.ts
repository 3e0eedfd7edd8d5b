/**
 * The technique page in the reference page's order: header (ID, tactics, platforms, version
 * selector, link to attack.mitre.org), description with numbered citations, Cyber Threat Graph
 * Context, reporting, mitigations, how to detect (data components, detection strategies with their
 * analytics and log sources), Sigma detections, controls by framework, procedure examples and
 * references.
 */
import type { NodeRef } from '../../query/lookup.ts';
import type { TechniquePage } from '../../query/technique-page.ts';
import { html, type SafeHtml } from './html.ts';
import { section } from './layout.ts';
import { type ContextNode, contextNodes, renderContext } from './context.ts';
import { hrefFor, isSafeUrl, plainSummary, richText } from './text.ts';
import { renderReferences, renderReports } from './shared.ts';
import { compareFrameworks, compareVersionsNewestFirst, frameworkLabel, frameworkName } from '../../core/frameworks.ts';
import { copyButton } from './layout.ts';
import { renderTechniqueCoverage } from './coverage.ts';

type Control = TechniquePage['controls'][number];

function controlHref(c: Control): string {
  return `/controls/${encodeURIComponent(c.id)}?framework=${encodeURIComponent(c.framework)}&frameworkVersion=${encodeURIComponent(c.frameworkVersion)}`;
}

/** NIST SP 800-53 first, then frameworks by name; within one, the newest version first. */
function orderedControls(controls: readonly Control[]): Control[] {
  return [...controls].sort((a, b) => compareFrameworks(a.framework, b.framework) || compareVersionsNewestFirst(a.frameworkVersion, b.frameworkVersion));
}

/** One framework's mappings, version by version (never mixed: rev4's AC-3 is not rev5's AC-03). */
function renderFramework(framework: string, rows: readonly Control[], foldOlder = false): SafeHtml {
  const versions = new Map<string, Control[]>();
  for (const c of rows) versions.set(c.frameworkVersion, [...(versions.get(c.frameworkVersion) ?? []), c]);
  return html`${[...versions.entries()].map(([version, list], i) => {
    const head = html`${frameworkLabel(framework, version)} <span class="meta">· ${list.length} control(s), mapped for ATT&amp;CK ${list[0]?.attackVersion ?? ''}</span>`;
    const items = html`<ul class="controls">${list.map(
      (c) => html`<li><a href="${controlHref(c)}"><span class="nid">${c.id}</span> ${c.name ?? ''}</a>${c.mappingType === null ? '' : html` <span class="tag">${c.mappingType.replace(/_/g, ' ')}</span>`}</li>`,
    )}</ul>`;
    return foldOlder && i > 0 ? html`<details class="framework"><summary>${head}</summary>${items}</details>` : html`<h4>${head}</h4>${items}`;
  })}`;
}

function renderControls(controls: readonly Control[]): SafeHtml {
  const byFramework = new Map<string, Control[]>();
  for (const c of orderedControls(controls)) byFramework.set(c.framework, [...(byFramework.get(c.framework) ?? []), c]);
  return html`${[...byFramework.entries()].map(([framework, rows], i) =>
    i === 0 && framework === 'nist_800_53'
      ? html`<div class="framework" data-framework="${framework}"><h3>${frameworkName(framework)} Controls</h3><p class="hint">Controls that can help protect against this technique, from the mappings of the Center for Threat-Informed Defense.</p>${renderFramework(framework, rows, true)}</div>`
      : html`<details class="framework" data-framework="${framework}"><summary><span class="h3">${frameworkName(framework)}</span> <span class="meta">${rows.length} mapping(s)</span></summary>${renderFramework(framework, rows)}</details>`,
  )}`;
}

export interface TechniqueRenderOptions {
  /** `?domain=..&version=..` when the page is not the default version; appended to internal links. */
  readonly scope: string;
  /** The versions of this domain in the store, newest first (for the selector). */
  readonly versions: readonly string[];
  readonly formerly: NodeRef | null;
}

export function techniqueContext(page: TechniquePage, scope: string): ContextNode[] {
  return contextNodes(
    [
      ...page.tactics.map((t) => ({ ...t, type: 'tactic' })),
      ...(page.parent === null ? [] : [{ ...page.parent, type: 'technique' }]),
      ...page.subtechniques.map((t) => ({ ...t, type: 'technique' })),
      ...page.procedures.map((p) => ({ id: p.id, name: p.name, type: p.type })),
      ...page.mitigations.map((m) => ({ id: m.id, name: m.name, type: 'mitigation' })),
      ...page.detection.dataComponents.map((d) => ({ id: d.id, name: d.name, type: 'data-component' })),
      ...page.detection.strategies.map((d) => ({ id: d.id, name: d.name, type: 'detection-strategy' })),
      ...page.reports.map((r) => ({ id: r.id, name: r.title, type: 'report' })),
      ...orderedControls(page.controls).map((c) => ({
        id: c.id,
        name: c.name ?? c.id,
        type: 'control',
        href: controlHref(c),
        framework: frameworkName(c.framework),
        frameworkVersion: c.frameworkVersion,
      })),
      ...page.sigma.map((s) => ({ id: s.id, name: s.title, type: 'sigma' })),
    ],
    scope,
  );
}

export function renderTechniqueBody(page: TechniquePage, options: TechniqueRenderOptions): SafeHtml {
  const { scope } = options;
  const link = (r: NodeRef, type = 'technique'): SafeHtml => html`<a href="${hrefFor(type, r.id, scope)}">${r.name}</a>`;
  const sigma = page.sigma;
  // Versions are listed newest first: the next one after this page's is the one before it.
  const here = options.versions.indexOf(page.attackVersion);
  const olderVersion = here < 0 ? undefined : options.versions[here + 1];
  const newerVersion = here <= 0 ? undefined : options.versions[here - 1];
  return html`<article class="page technique" data-page-id="${page.id}">
<header class="page-head">
${options.formerly === null ? '' : html`<p class="note" role="note">${options.formerly.id} “${options.formerly.name}” was revoked; this is ${page.id}, which replaced it.</p>`}
${page.revokedBy === null ? '' : html`<p class="note" role="note">Revoked: replaced by ${link(page.revokedBy)}.</p>`}
${page.deprecated ? html`<p class="note" role="note">This technique is deprecated.</p>` : ''}
<p class="kind">Technique · ${page.domain} ATT&amp;CK ${page.attackVersion}</p>
<h1><span class="nid">${page.id}</span>: ${page.name}</h1>
<p class="actions">${copyButton(page.id, `the ID ${page.id}`)} <a href="/techniques/${encodeURIComponent(page.id)}/markdown${scope}" download="${page.id}.md">Export as Markdown</a></p>
<table class="facts">
${page.parent === null ? '' : html`<tr><th scope="row">Sub-technique of</th><td><span class="nid">${page.parent.id}</span> ${link(page.parent)}</td></tr>`}
<tr><th scope="row">Tactic(s)</th><td>${page.tactics.map((t, i) => html`${i > 0 ? ', ' : ''}${link(t, 'tactic')}`)}</td></tr>
<tr><th scope="row">Platforms</th><td>${page.platforms.join(', ')}</td></tr>
${page.subtechniques.length === 0 ? '' : html`<tr><th scope="row">Sub-techniques</th><td><ul class="inline">${page.subtechniques.map((s) => html`<li><span class="nid">${s.id}</span> ${link(s)}</li>`)}</ul></td></tr>`}
<tr><th scope="row">Source</th><td>${page.url !== null && isSafeUrl(page.url) ? html`<a href="${page.url}" rel="noopener noreferrer external">View on MITRE ATT&amp;CK</a>` : 'MITRE ATT&CK'}</td></tr>
</table>
<form class="version" action="/techniques/${page.id}" method="get">
<input type="hidden" name="domain" value="${page.domain}">
<label for="version-select">ATT&amp;CK version</label>
<select id="version-select" name="version" data-autosubmit>${options.versions.map((v) => html`<option value="${v}"${v === page.attackVersion ? html` selected` : ''}>${v}</option>`)}</select>
<button type="submit">Show</button>
${olderVersion !== undefined
  ? html` <a href="/changes/${page.id}?domain=${page.domain}&amp;from=${olderVersion}&amp;to=${page.attackVersion}">What changed since ${olderVersion}</a>`
  : newerVersion !== undefined
    ? html` <a href="/changes/${page.id}?domain=${page.domain}&amp;from=${page.attackVersion}&amp;to=${newerVersion}">What changed in ${newerVersion}</a>`
    : ''}
</form>
</header>
<nav class="toc" aria-label="On this page"><ul>
<li><a href="#description">Description</a></li><li><a href="#context">Graph context</a></li><li><a href="#reporting">Reporting</a></li><li><a href="#mitigations">Mitigations</a></li><li><a href="#detection">How to detect</a></li><li><a href="#sigma">Sigma</a></li><li><a href="#coverage">Your coverage</a></li><li><a href="#controls">Controls</a></li><li><a href="#procedures">Procedures</a></li><li><a href="#references">References</a></li>
</ul></nav>
${section('description', 'Description', html`<p class="attribution">Data from MITRE ATT&amp;CK®:</p>${richText(page.description, scope)}`)}
${section('context', 'Cyber Threat Graph Context', renderContext({ center: { id: page.id, name: page.name, type: 'technique', href: '' }, nodes: techniqueContext(page, scope) }))}
${section('reporting', 'Reporting on this Technique', page.reports.length === 0 ? [] : renderReports(page.reports, scope), {
  empty: html`No reports cite this technique yet. Import reports with <code>ttpgraph import stix FILE</code>.`,
})}
${section(
  'mitigations',
  'Mitigations for this technique',
  page.mitigations.length === 0
    ? []
    : html`<h3>MITRE ATT&amp;CK Mitigations</h3><ul class="cards">${page.mitigations.map(
        (m) => html`<li><h4><span class="nid">${m.id}</span> <a href="${hrefFor('mitigation', m.id, scope)}">${m.name}</a></h4><p>${plainSummary(m.description)}</p>${m.usage === '' ? '' : html`<div class="usage"><p class="usage-label">Against this technique:</p>${richText(m.usage, scope)}</div>`}</li>`,
      )}</ul>`,
  { empty: 'ATT&CK lists no mitigations for this technique.' },
)}
${section(
  'detection',
  'How to detect this technique',
  html`${section(
    'data-components',
    'MITRE ATT&CK Data Components',
    page.detection.dataComponents.length === 0
      ? []
      : html`<ul class="cards">${page.detection.dataComponents.map(
          (d) => html`<li><h4><a href="${hrefFor('data-component', d.id, scope)}">${d.name}</a>${d.dataSource === null ? '' : html` (${d.dataSource})`}</h4><p>${plainSummary(d.description, 400)}</p></li>`,
        )}</ul>`,
    { level: 3, empty: 'No data components.' },
  )}
${section(
  'detection-strategies',
  'Detection strategies',
  page.detection.strategies.length === 0
    ? []
    : html`<ul class="cards">${page.detection.strategies.map(
        (s) => html`<li><h4><span class="nid">${s.id}</span> <a href="${hrefFor('detection-strategy', s.id, scope)}">${s.name}</a></h4>${
          s.analytics.length === 0
            ? ''
            : html`<table class="grid"><caption class="sr-only">Analytics of ${s.id}</caption><thead><tr><th scope="col">Analytic</th><th scope="col">Platforms</th><th scope="col">Log sources</th></tr></thead><tbody>${s.analytics.map(
                (a) => html`<tr><td><a href="${hrefFor('analytic', a.id, scope)}">${a.id}</a></td><td>${a.platforms.join(', ')}</td><td><ul class="plain">${a.logSources.map(
                  (l) => html`<li>${l.dataComponent === null ? l.name : html`<a href="${hrefFor('data-component', l.dataComponent.id, scope)}">${l.dataComponent.name}</a>`}${l.channel === null ? '' : html`: <code>${l.channel}</code>`}</li>`,
                )}</ul></td></tr>`,
              )}</tbody></table>`
        }</li>`,
      )}</ul>`,
    { level: 3, empty: 'No detection strategies in this ATT&CK version (they arrive with ATT&CK 18).' },
  )}`,
)}
${section(
  'sigma',
  'Sigma Detections for this Technique',
  sigma.length === 0
    ? []
    : html`<ul class="cards">${sigma.map(
        (s) => html`<li><h3 class="h4"><a href="${hrefFor('sigma', s.id)}">${s.title}</a></h3><p><code>${s.id}</code>${s.level === null ? '' : html` · level ${s.level}`}${s.status === null ? '' : html` · ${s.status}`}${
          html` · ${[s.logsource.product, s.logsource.category, s.logsource.service].filter((x) => x !== null).join(' / ')}`
        }${s.subtechnique === null ? '' : html` · for ${s.subtechnique}`}</p></li>`,
      )}</ul>`,
  { empty: html`No Sigma rules in the store for this technique yet. Import a rule set to fill this section: <code>ttpgraph import sigma PATH</code>.` },
)}
${page.coverage === null ? '' : section('coverage', 'Your coverage', renderTechniqueCoverage(page.coverage, scope))}
${section(
  'controls',
  'Controls',
  page.controls.length === 0 ? [] : renderControls(page.controls),
  { empty: html`No control mappings in the store. Import them with <code>ttpgraph import mappings FILE|URL</code> (or <code>ttpgraph sync</code>).` },
)}
${section(
  'procedures',
  'Procedure Examples',
  page.procedures.length === 0
    ? []
    : html`<table class="grid"><caption class="sr-only">Procedure examples</caption><thead><tr><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Description</th></tr></thead><tbody>${page.procedures.map(
        (p) => html`<tr><td><a href="${hrefFor(p.type, p.id, scope)}">${p.id}</a></td><td><a href="${hrefFor(p.type, p.id, scope)}">${p.name}</a></td><td>${richText(p.description, scope)}</td></tr>`,
      )}</tbody></table>`,
  { empty: 'No procedure examples.' },
)}
${section('references', 'References', page.references.length === 0 ? [] : renderReferences(page.references), { empty: 'No references.' })}
</article>`;
}
