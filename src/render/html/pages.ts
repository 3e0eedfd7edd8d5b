/**
 * Every page other than the technique page: other ATT&CK nodes, controls, reports, the matrix,
 * search, "what changed", the datasets list, the empty-store welcome and error pages.
 */
import type { TechniqueChanges } from '../../query/changes.ts';
import type { ControlPage } from '../../query/controls.ts';
import type { Dataset } from '../../query/datasets.ts';
import type { NodeRef } from '../../query/lookup.ts';
import type { Matrix, MatrixCounts } from '../../query/matrix.ts';
import type { ObjectPage } from '../../query/object-page.ts';
import type { ReportPage } from '../../query/reports.ts';
import type { NodeHit, SearchHit } from '../../query/search.ts';
import type { StoreSources } from '../../query/sources.ts';
import type { SigmaRulePage } from '../../query/sigma.ts';
import { contextNodes, nodeText, renderContext } from './context.ts';
import { renderWordDiff } from './word-diff.ts';
import { highlightYaml } from './yaml.ts';
import { html, type SafeHtml } from './html.ts';
import { copyButton, section } from './layout.ts';
import { isStixId } from '../../core/attack.ts';
import { compareFrameworks, compareVersionsNewestFirst, frameworkLabel } from '../../core/frameworks.ts';
import { renderReferences, renderReports } from './shared.ts';
import { hrefFor, isSafeUrl, plainSummary, richText } from './text.ts';

const KIND_LABEL: Record<string, string> = {
  technique: 'Technique',
  tactic: 'Tactic',
  group: 'Group',
  software: 'Software',
  campaign: 'Campaign',
  mitigation: 'Mitigation',
  asset: 'Asset',
  'data-source': 'Data source',
  'data-component': 'Data component',
  'detection-strategy': 'Detection strategy',
  analytic: 'Analytic',
};

export function kindLabel(kind: string): string {
  return KIND_LABEL[kind] ?? kind;
}

export function renderObjectBody(page: ObjectPage, scope: string, formerly: NodeRef | null): SafeHtml {
  const nodes = contextNodes(
    [
      ...page.relations.flatMap((r) => r.items.map((i) => ({ id: i.id, name: i.name, type: i.type }))),
      ...page.logSources.flatMap((l) => (l.dataComponent === null ? [] : [{ ...l.dataComponent, type: 'data-component' }])),
      ...page.reports.map((r) => ({ id: r.id, name: r.title, type: 'report' })),
    ],
    scope,
  );
  return html`<article class="page object" data-page-id="${page.id}">
<header class="page-head">
${formerly === null ? '' : html`<p class="note" role="note">${formerly.id} “${formerly.name}” was revoked; this is ${page.id}, which replaced it.</p>`}
${page.revokedBy === null ? '' : html`<p class="note" role="note">Revoked: replaced by <a href="${hrefFor('object', page.revokedBy.id, scope)}">${page.revokedBy.name}</a>.</p>`}
${page.deprecated ? html`<p class="note" role="note">Deprecated.</p>` : ''}
<p class="kind">${kindLabel(page.type)} · ${page.domain} ATT&amp;CK ${page.attackVersion}</p>
<h1>${isStixId(page.id) ? page.name : html`<span class="nid">${page.id}</span>: ${page.name}`}</h1>
<table class="facts">
<tr><th scope="row">ID</th><td><code>${page.id}</code> ${copyButton(page.id, `the ID ${page.id}`)}</td></tr>
${page.aliases.length === 0 ? '' : html`<tr><th scope="row">Associated names</th><td>${page.aliases.join(', ')}</td></tr>`}
${page.platforms.length === 0 ? '' : html`<tr><th scope="row">Platforms</th><td>${page.platforms.join(', ')}</td></tr>`}
${page.url !== null && isSafeUrl(page.url) ? html`<tr><th scope="row">Source</th><td><a href="${page.url}" rel="noopener noreferrer external">View on MITRE ATT&amp;CK</a></td></tr>` : ''}
</table>
</header>
${section('description', 'Description', page.description === '' ? [] : richText(page.description, scope), { empty: 'No description.' })}
${section('context', 'Cyber Threat Graph Context', renderContext({ center: { id: page.id, name: page.name, type: page.type, href: '' }, nodes }))}
${page.logSources.length === 0
  ? ''
  : section(
      'log-sources',
      'Log sources',
      html`<ul>${page.logSources.map((l) => html`<li>${l.dataComponent === null ? l.name : html`<a href="${hrefFor('data-component', l.dataComponent.id, scope)}">${l.dataComponent.name}</a>`}${l.channel === null ? '' : html`: <code>${l.channel}</code>`}</li>`)}</ul>`,
    )}
${page.relations.map((r) =>
  section(
    `rel-${r.key}`,
    r.title,
    r.items.length === 0
      ? []
      : html`<table class="grid"><thead><tr><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Description</th></tr></thead><tbody>${r.items.map(
          (i) => html`<tr><td><a href="${hrefFor(i.type, i.id, scope)}">${isStixId(i.id) ? i.name : i.id}</a></td><td>${i.name}</td><td>${i.description === '' ? '' : richText(i.description, scope)}</td></tr>`,
        )}</tbody></table>`,
  ),
)}
${section('reporting', 'Reporting', page.reports.length === 0 ? [] : renderReports(page.reports, scope), { empty: 'No reports cite it.' })}
${section('references', 'References', page.references.length === 0 ? [] : renderReferences(page.references), { empty: 'No references.' })}
</article>`;
}

export function renderControlBody(page: ControlPage): SafeHtml {
  const nodes = contextNodes(page.techniques.map((t) => ({ id: t.id, name: t.name ?? t.id, type: 'technique' })));
  return html`<article class="page control" data-page-id="${page.id}">
<header class="page-head"><p class="kind">Control · ${frameworkLabel(page.framework, page.frameworkVersion)}</p>
<h1><span class="nid">${page.id}</span>: ${page.name ?? ''}</h1>
<table class="facts"><tr><th scope="row">ID</th><td><code>${page.id}</code> ${copyButton(page.id, `the control ID ${page.id}`)}</td></tr>
<tr><th scope="row">Framework</th><td>${frameworkLabel(page.framework, page.frameworkVersion)}</td></tr>
${page.group === null ? '' : html`<tr><th scope="row">Group</th><td>${page.group}</td></tr>`}
${page.otherVersions.length === 0 ? '' : html`<tr><th scope="row">Other versions</th><td>${page.otherVersions.map((v, i) => html`${i > 0 ? ', ' : ''}<a href="/controls/${encodeURIComponent(page.id)}?framework=${encodeURIComponent(page.framework)}&amp;frameworkVersion=${encodeURIComponent(v)}">${v}</a>`)}</td></tr>`}
</table></header>
${section('context', 'Cyber Threat Graph Context', renderContext({ center: { id: page.id, name: page.name ?? page.id, type: 'control', href: '' }, nodes }))}
${section(
  'techniques',
  'Techniques this control addresses',
  page.techniques.length === 0
    ? []
    : html`<table class="grid"><thead><tr><th scope="col">Technique</th><th scope="col">Mapping</th><th scope="col">ATT&amp;CK</th><th scope="col">Comments</th></tr></thead><tbody>${page.techniques.map(
        (t) => html`<tr><td><a href="${hrefFor('technique', t.id)}"><span class="nid">${t.id}</span> ${t.name ?? ''}</a></td><td>${t.mappingType ?? t.status}</td><td>${t.domain} ${t.attackVersion}</td><td>${t.comments ?? ''}</td></tr>`,
      )}</tbody></table>`,
)}
</article>`;
}

export function renderReportBody(page: ReportPage, scope: string): SafeHtml {
  const nodes = contextNodes(page.supports.map((s) => ({ id: s.id, name: s.name, type: s.type })), scope);
  return html`<article class="page report" data-page-id="${page.id}">
<header class="page-head"><p class="kind">Report · ${page.domain} ATT&amp;CK ${page.attackVersion}</p>
<h1>${page.title}</h1>
<table class="facts"><tr><th scope="row">Date</th><td>${page.date ?? 'undated'}</td></tr>
${page.source === null ? '' : html`<tr><th scope="row">Source</th><td>${page.source}</td></tr>`}
${page.url !== null && isSafeUrl(page.url) ? html`<tr><th scope="row">Link</th><td><a href="${page.url}" rel="noopener noreferrer external">${page.url}</a></td></tr>` : ''}
</table></header>
${page.summary === null ? '' : section('summary', 'Summary', richText(page.summary, scope))}
${section('context', 'Cyber Threat Graph Context', renderContext({ center: { id: page.id, name: page.title, type: 'report', href: '' }, nodes }))}
${section(
  'supports',
  'What this report supports',
  page.supports.length === 0
    ? []
    : html`<table class="grid"><thead><tr><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">How</th></tr></thead><tbody>${page.supports.map(
        (s) => html`<tr><td><a href="${hrefFor(s.type, s.id, scope)}">${s.id}</a></td><td>${s.name}</td><td>${kindLabel(s.type)}</td><td>${s.via}</td></tr>`,
      )}</tbody></table>`,
)}
</article>`;
}

export interface MatrixRenderOptions {
  readonly datasets: readonly Dataset[];
  readonly metric: string | null;
  readonly metrics: readonly string[];
  readonly counts: MatrixCounts | null;
  /** metric=controls: the framework version counted ("nist_800_53 rev5") and the choices. */
  readonly framework?: string | null;
  readonly frameworks?: readonly string[];
  /** metric=hits: the number of saved hunts (0: say how to save one instead of an empty legend). */
  readonly savedHunts?: number;
}

/** Heat buckets heat-1..heat-9 (CSS classes, so no inline style is needed under the CSP). */
export function heatBucket(n: number, max: number): number {
  if (n <= 0 || max <= 0) return 0;
  return Math.max(1, Math.min(9, Math.ceil((n / max) * 9)));
}

/** "nist_800_53 rev5" as "NIST SP 800-53 rev5". */
function frameworkKeyLabel(key: string): string {
  const at = key.indexOf(' ');
  return at < 0 ? frameworkLabel(key, '') : frameworkLabel(key.slice(0, at), key.slice(at + 1));
}

const METRIC_LABEL: Record<string, string> = {
  groups: 'groups',
  software: 'software',
  campaigns: 'campaigns',
  reports: 'reports',
  controls: 'controls of one framework',
  detections: 'detections',
  sigma: 'Sigma rules',
  hits: 'saved hunt hits',
  coverage: 'your coverage (1 visible, 2 detectable, 3 detected)',
};

export function renderMatrixBody(matrix: Matrix, options: MatrixRenderOptions): SafeHtml {
  const noHunt = options.metric === 'hits' && (options.savedHunts ?? 0) === 0;
  const counts = noHunt ? null : options.counts;
  let max = 0;
  if (counts !== null) for (const v of counts.values()) if (v > max) max = v;
  const scope = `?domain=${encodeURIComponent(matrix.domain)}&version=${encodeURIComponent(matrix.attackVersion)}`;
  const what = options.metric === 'controls' && options.framework !== null && options.framework !== undefined ? `${frameworkKeyLabel(options.framework)} controls` : (options.metric ?? '');
  const cell = (id: string, name: string, cls: string): SafeHtml => {
    const n = counts?.get(id) ?? 0;
    const bucket = counts === null ? 0 : heatBucket(n, max);
    return html`<a class="${cls}${bucket > 0 ? ` heat-${bucket}` : ''}" href="/techniques/${id}${scope}" data-technique="${id}" title="${id} ${name}${counts === null ? '' : ` — ${n} ${what}`}"><span class="name">${name}</span>${counts === null ? '' : html`<span class="count">${n}</span>`}</a>`;
  };
  const layerHref = `/api/v1/navigator/layer?domain=${encodeURIComponent(matrix.domain)}&version=${encodeURIComponent(matrix.attackVersion)}&metric=${encodeURIComponent(options.metric ?? 'groups')}${
    options.metric === 'controls' && options.framework !== null && options.framework !== undefined ? `&framework=${encodeURIComponent(options.framework)}` : ''
  }`;
  const frameworks = options.frameworks ?? [];
  return html`<article class="page matrix-page">
<h1>${matrix.name} · ATT&amp;CK ${matrix.attackVersion}</h1>
<form class="matrix-controls" action="/matrix" method="get">
<label for="m-dataset">Dataset</label>
<select id="m-dataset" name="dataset">${options.datasets.map((d) => html`<option value="${d.domain}:${d.version}"${d.domain === matrix.domain && d.version === matrix.attackVersion ? html` selected` : ''}>${d.domain} ${d.version}</option>`)}</select>
<label for="m-metric">Colour by</label>
<select id="m-metric" name="metric"><option value="">nothing</option>${options.metrics.map((m) => html`<option value="${m}"${m === options.metric ? html` selected` : ''}>${METRIC_LABEL[m] ?? m}</option>`)}</select>
${options.metric === 'controls' && frameworks.length > 0
  ? html`<label for="m-framework">Framework</label><select id="m-framework" name="framework">${frameworks.map((f) => html`<option value="${f}"${f === options.framework ? html` selected` : ''}>${frameworkKeyLabel(f)}</option>`)}</select>`
  : ''}
<button type="submit">Apply</button>
<a class="button" id="layer-export" href="${layerHref}" download="ttpgraph-${matrix.domain}-${matrix.attackVersion}-${options.metric ?? 'groups'}.json">Export Navigator layer</a>
<label class="file">Overlay a Navigator layer <input type="file" id="layer-import" accept=".json,application/json"></label>
</form>
<p id="overlay-status" class="hint" role="status" aria-live="polite"></p>
${noHunt
  ? html`<p class="note" role="note">No saved hunt yet, so there are no hits to colour by. Save one with <code>ttpgraph hunt --save LABEL --rules RULES LOGS...</code>; the matrix then shows the newest saved hunt's hits per technique.</p>`
  : options.metric === 'controls' && frameworks.length === 0
    ? html`<p class="note" role="note">No control mappings for this dataset. Import them with <code>ttpgraph import mappings FILE|URL</code> (or <code>ttpgraph sync</code>).</p>`
    : counts === null
      ? ''
      : html`<div class="legend" aria-label="Legend"><span>${what} per technique:</span> <span class="swatch heat-0">0</span>${[1, 3, 5, 7, 9].map(
          (b) => html`<span class="swatch heat-${b}">≤ ${Math.ceil((b / 9) * max)}</span>`,
        )}</div>`}
<p class="hint matrix-cue" id="matrix-cue">${matrix.tactics.length} tactics; the matrix scrolls sideways when they do not fit: ${matrix.tactics.map((t, i) => html`${i > 0 ? ' · ' : ''}<a href="#tac-${t.id}">${t.name}</a>`)}</p>
<div class="matrix" role="region" aria-label="ATT&amp;CK matrix" tabindex="0">
${matrix.tactics.map(
  (t) => html`<section class="tactic" aria-labelledby="tac-${t.id}"><h2 id="tac-${t.id}"><a href="/objects/${t.id}${scope}">${t.name}</a> <span class="count-all">${t.techniques.length}</span></h2><ul>${t.techniques.map(
    (tech) => html`<li${tech.subtechniques.length === 0 ? '' : html` class="has-subs"`}>${
      tech.subtechniques.length === 0
        ? cell(tech.id, tech.name, 'tech')
        : html`${cell(tech.id, tech.name, 'tech has-subs')}<details><summary><span class="sr-only">Sub-techniques of ${tech.id} (${tech.subtechniques.length})</span></summary><ul class="subs">${tech.subtechniques.map((s) => html`<li>${cell(s.id, s.name, 'tech sub')}</li>`)}</ul></details>`
    }</li>`,
  )}</ul></section>`,
)}
</div>
</article>`;
}

const OTHER_LABEL: Record<string, string> = { 'sigma-rule': 'Sigma rule', control: 'Control', report: 'Report', hunt: 'Saved hunt' };

/** Where a non-ATT&CK search hit's page is (a saved hunt colours the matrix). */
export function otherHref(o: NodeHit): string {
  switch (o.type) {
    case 'control':
      return `/controls/${encodeURIComponent(o.id)}${o.framework === null ? '' : `?framework=${encodeURIComponent(o.framework)}`}`;
    case 'sigma-rule':
      return hrefFor('sigma', o.id);
    case 'report':
      return hrefFor('report', o.id);
    case 'hunt':
      return '/matrix?metric=hits';
    default:
      return hrefFor(o.type, o.id);
  }
}

export function renderSearchBody(query: string, hits: readonly SearchHit[] | null, type: string, types: readonly string[], others: readonly NodeHit[] = []): SafeHtml {
  return html`<article class="page search-page">
<h1>Search</h1>
<form class="search-form" role="search" aria-label="Search the graph" action="/search" method="get">
<label for="search-q">Words or an ID</label>
<input id="search-q" name="q" type="search" value="${query}" autocomplete="off" data-suggest="search-suggestions" aria-autocomplete="list" aria-controls="search-suggestions" aria-expanded="false" role="combobox">
<ul id="search-suggestions" class="suggestions" role="listbox" aria-label="Suggestions" hidden></ul>
<label for="search-type">Type</label>
<select id="search-type" name="type"><option value="">any</option>${types.map((t) => html`<option value="${t}"${t === type ? html` selected` : ''}>${kindLabel(t)}</option>`)}</select>
<button type="submit">Search</button>
</form>
${hits === null
  ? html`<p class="hint">Search every kind of node: ATT&amp;CK IDs (T1114, G0007), names, aliases and descriptions; Sigma rules; controls (AC-16); reports; saved hunts.</p>`
  : hits.length === 0
    ? html`<p class="empty">No results for “${query}”.</p>`
    : html`<p role="status">${hits.length} results for “${query}”</p><ol class="results">${hits.map(
        (h) => html`<li><a href="${hrefFor(h.type, h.id)}"><span class="nid">${h.id}</span> ${h.name}</a> <span class="tag">${kindLabel(h.type)}</span> <span class="meta">${h.domain} ${h.attackVersion}</span><p>${h.snippet}</p></li>`,
      )}</ol>`}
${others.length === 0
  ? ''
  : html`<h2>Sigma rules, controls, reports and saved hunts</h2><ol class="results">${others.map(
      (o) => html`<li><a href="${otherHref(o)}">${o.type === 'control' ? html`<span class="nid">${o.id}</span> ` : ''}${o.name}</a> <span class="tag">${OTHER_LABEL[o.type] ?? o.type}</span> <span class="meta">${o.detail}</span></li>`,
    )}</ol>`}
</article>`;
}

export function renderChangesBody(c: TechniqueChanges, versions: readonly string[]): SafeHtml {
  const select = (name: string, id: string, selected: string): SafeHtml =>
    html`<select id="${id}" name="${name}">${versions.map((v) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${v}</option>`)}</select>`;
  return html`<article class="page changes">
<h1>What changed: <a href="/techniques/${c.id}"><span class="nid">${c.id}</span> ${c.name}</a></h1>
<form action="/changes/${c.id}" method="get"><input type="hidden" name="domain" value="${c.domain}">
<label for="from">From</label>${select('from', 'from', c.from.attackVersion)} <label for="to">to</label>${select('to', 'to', c.to.attackVersion)} <button type="submit">Compare</button></form>
${!c.from.present ? html`<p class="note">${c.id} does not exist in ATT&amp;CK ${c.from.attackVersion}: it is new in ${c.to.attackVersion}.</p>` : ''}
${!c.to.present ? html`<p class="note">${c.id} is not in ATT&amp;CK ${c.to.attackVersion}.</p>` : ''}
${c.unchanged ? html`<p class="empty">Nothing changed between ${c.from.attackVersion} and ${c.to.attackVersion}.</p>` : ''}
${c.fields.length === 0
  ? ''
  : section(
      'fields',
      'Fields',
      html`<p class="hint">Word by word: <del>removed in ${c.to.attackVersion}</del>, <ins>added in ${c.to.attackVersion}</ins>.</p><table class="grid"><thead><tr><th scope="col">Field</th><th scope="col">From ${c.from.attackVersion} to ${c.to.attackVersion}</th></tr></thead><tbody>${c.fields.map(
        (f) => html`<tr><th scope="row">${f.field}</th><td>${renderWordDiff(f.field === 'description' ? plainSummary(f.before, 100_000) : f.before, f.field === 'description' ? plainSummary(f.after, 100_000) : f.after)}</td></tr>`,
      )}</tbody></table>`,
    )}
${c.sections
  .filter((s) => s.added.length + s.removed.length + s.changed.length > 0)
  .map((s) =>
    section(
      `changes-${s.section}`,
      s.title,
      html`${s.added.length === 0 ? '' : html`<h3>Added</h3><ul>${s.added.map((x) => html`<li class="added">${nodeText(x.id, x.name)}</li>`)}</ul>`}${
        s.removed.length === 0 ? '' : html`<h3>Removed</h3><ul>${s.removed.map((x) => html`<li class="removed">${nodeText(x.id, x.name)}</li>`)}</ul>`
      }${s.changed.length === 0 ? '' : html`<h3>Text changed</h3><ul>${s.changed.map((x) => html`<li>${nodeText(x.id, x.name)}</li>`)}</ul>`}`,
    ),
  )}
</article>`;
}

function renderSources(sources: StoreSources): SafeHtml {
  const date = (iso: string | null): string => (iso === null ? '' : iso.slice(0, 10));
  return html`<h2>Control mappings</h2>${
    sources.mappingSets.length === 0
      ? html`<p class="empty">None. Import them with <code>ttpgraph import mappings FILE|URL</code> (or <code>ttpgraph sync</code>).</p>`
      : html`<table class="grid"><thead><tr><th scope="col">Framework</th><th scope="col">For ATT&amp;CK</th><th scope="col">Mappings</th><th scope="col">Controls</th><th scope="col">Imported</th></tr></thead><tbody>${[...sources.mappingSets]
          .sort((a, b) => compareFrameworks(a.framework, b.framework) || compareVersionsNewestFirst(a.frameworkVersion, b.frameworkVersion))
          .map(
            (m) => html`<tr><td>${frameworkLabel(m.framework, m.frameworkVersion)}</td><td>${m.domain} ${m.attackVersion}</td><td>${m.mappings}</td><td>${m.controls}</td><td>${date(m.importedAt)}</td></tr>`,
          )}</tbody></table>`
  }
<h2>Sigma rules</h2>${
    sources.sigma.length === 0
      ? html`<p class="empty">None. Import a rule set with <code>ttpgraph import sigma PATH</code> (or <code>ttpgraph sync</code>).</p>`
      : html`<table class="grid"><thead><tr><th scope="col">Set</th><th scope="col">Release</th><th scope="col">Rules</th><th scope="col">Imported</th></tr></thead><tbody>${sources.sigma.map(
          (s) => html`<tr><td>${s.name ?? 'imported with ttpgraph import sigma'}</td><td>${s.release ?? ''}</td><td>${s.rules}</td><td>${date(s.importedAt)}</td></tr>`,
        )}</tbody></table>`
  }
<h2>Reports</h2><p>${sources.reports.stixReports} STIX report(s)${sources.reports.newestPublished === null ? '' : html`, the newest published ${date(sources.reports.newestPublished)}`}; ${sources.reports.citedReports} reports cited by the newest ATT&amp;CK.${
    sources.reports.stixReports === 0 ? html` Import your own with <code>ttpgraph import stix FILE</code>.` : ''
  }</p>
<h2>Saved hunts</h2><p>${
    sources.hunts.newest === null
      ? html`None. Save one with <code>ttpgraph hunt --save LABEL --rules RULES LOGS...</code>.`
      : html`${sources.hunts.runs} saved; the newest${sources.hunts.newest.label === null ? '' : html` “${sources.hunts.newest.label}”`} (${date(sources.hunts.newest.finishedAt)}) has ${sources.hunts.newest.hits} hit(s): <a href="/matrix?metric=hits">see them on the matrix</a>.`
  }</p>`;
}

export function renderDatasetsBody(datasets: readonly Dataset[], sources?: StoreSources): SafeHtml {
  return html`<article class="page"><h1>What the store holds</h1>${storeContents(datasets, sources)}</article>`;
}

function storeContents(datasets: readonly Dataset[], sources?: StoreSources): SafeHtml {
  return html`<h2>ATT&amp;CK datasets</h2>
<table class="grid"><thead><tr><th scope="col">Domain</th><th scope="col">Version</th><th scope="col">Objects</th><th scope="col">Relationships</th><th scope="col">Imported</th><th scope="col">Matrix</th></tr></thead><tbody>${datasets.map(
    (d) => html`<tr><td>${d.domain}</td><td>${d.version}</td><td>${d.objectCount}</td><td>${d.relationshipCount}</td><td>${d.importedAt.slice(0, 10)}</td><td><a href="/matrix?domain=${d.domain}&amp;version=${d.version}">${d.domain} ${d.version} matrix</a></td></tr>`,
  )}</tbody></table>
${sources === undefined ? '' : renderSources(sources)}`;
}

export function renderHomeBody(datasets: readonly Dataset[], empty: EmptyStoreOptions = {}, sources?: StoreSources): SafeHtml {
  if (datasets.length === 0) return renderEmptyStoreBody(empty);
  return html`<article class="page home"><h1>ttpgraph</h1>
<p>MITRE ATT&amp;CK, Sigma, control mappings and your own logs, on one page. Start with a technique such as <a href="/techniques/T1114">T1114 Email Collection</a>, the <a href="/matrix">matrix</a>, or search above (press <kbd>/</kbd>).</p>
${storeContents(datasets, sources)}</article>`;
}

export interface EmptyStoreOptions {
  /** The server was started with a token: offer "Sync now" (the browser sends the token in a header). */
  readonly writable?: boolean;
  /** The source kinds `ttpgraph sync` knows (name and description), for the form's "What" choice. */
  readonly sources?: readonly { readonly name: string; readonly description: string }[];
}

export function renderEmptyStoreBody(options: EmptyStoreOptions = {}): SafeHtml {
  return html`<article class="page empty-store"><h1>The store is empty</h1>
<p>ttpgraph has no ATT&amp;CK data yet. Fill the store from a terminal on the server's machine (give the commands the same <code>--db PATH</code> or <code>$TTPGRAPH_DB</code> as the server, if you started it with one), then reload this page:</p>
<ol>
<li>Download the official ATT&amp;CK releases and control mappings: <pre><code>ttpgraph sync</code></pre></li>
<li>Or import a bundle from a file or URL (for example a local copy of <code>enterprise-attack-18.1.json</code>): <pre><code>ttpgraph import attack FILE|URL</code></pre></li>
<li>Or sync from a local folder holding the files: <pre><code>ttpgraph sync --from DIR</code></pre></li>
</ol>
<p>Then add Sigma rules with <code>ttpgraph import sigma PATH</code> and control mappings with <code>ttpgraph import mappings FILE|URL</code>.</p>
${options.writable === true ? renderSyncNow(options.sources ?? []) : html`<p class="hint">To sync from this page instead, start the server with a token: <code>ttpgraph serve --token TOKEN</code> (or <code>$TTPGRAPH_TOKEN</code>).</p>`}</article>`;
}

/**
 * The "Sync now" form. It works through the browser bundle (hidden until it runs): the token goes
 * in the Authorization header of the requests, never in a URL or storage, and its input has no
 * name, so a plain form submission can never carry it. Without JavaScript, the curl line does the same.
 */
function renderSyncNow(sources: readonly { readonly name: string; readonly description: string }[]): SafeHtml {
  return html`<section id="sync-now" aria-labelledby="sync-now-h"><h2 id="sync-now-h">Sync from this page</h2>
<p>This server was started with a token, so it can fill its store itself. Paste the token: it is sent in the <code>Authorization</code> header of these requests only and never stored.</p>
<form id="sync-form" class="sync-form" hidden>
<label for="sync-token">Token</label><input id="sync-token" type="password" autocomplete="off" spellcheck="false" required>
<label for="sync-from">From a folder on the server (optional)</label><input id="sync-from" type="text" autocomplete="off" spellcheck="false" placeholder="empty: the official sources on the internet" aria-describedby="sync-from-hint">
<p id="sync-from-hint" class="hint">An absolute path to a folder laid out like the mirror of <code>ttpgraph sync --from DIR</code> (<code>attack/</code>, <code>mappings/</code>), under a folder the server was started to allow (<code>ttpgraph serve --allow-dir DIR</code>).</p>
<label for="sync-only">What</label><select id="sync-only"><option value="">Everything (${sources.map((k) => k.name).join(', ')})</option>${sources.map((k) => html`<option value="${k.name}">Only ${k.description}</option>`)}</select>
<label for="sync-domain">Domain</label><select id="sync-domain"><option value="">All domains</option><option value="enterprise">Enterprise</option><option value="mobile">Mobile</option><option value="ics">ICS</option></select>
<div class="sync-actions"><button type="submit">Sync now</button></div>
</form>
<div id="sync-nojs"><p>Without JavaScript, the same from a terminal (<code>HOST:PORT</code> is this page's address):</p>
<pre><code>curl -X POST -H "Authorization: Bearer TOKEN" -H "Content-Type: application/json" -d '{}' http://HOST:PORT/api/v1/sync</code></pre></div>
<div id="sync-status" role="status" aria-live="polite"></div>
</section>`;
}

export function renderErrorBody(status: number, message: string, suggestions: readonly { id: string; name: string; type: string }[], query: string): SafeHtml {
  return html`<article class="page error"><h1>${status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Something went wrong'}</h1>
<p>${message}</p>
${suggestions.length === 0
  ? query === ''
    ? ''
    : html`<p>Try <a href="/search?q=${encodeURIComponent(query)}">searching for “${query}”</a>.</p>`
  : html`<h2>Did you mean</h2><p class="hint">The closest IDs and names to “${query}”:</p><ul>${suggestions.map((h) => html`<li><a href="${hrefFor(h.type, h.id)}"><span class="nid">${h.id}</span> ${h.name}</a> <span class="tag">${kindLabel(h.type)}</span></li>`)}</ul>`}
<p><a href="/">Home</a> · <a href="/matrix">Matrix</a> · <a href="/search">Search</a></p></article>`;
}

export function renderSigmaBody(rule: SigmaRulePage): SafeHtml {
  const nodes = contextNodes(rule.techniques.map((t) => ({ id: t, name: t, type: 'technique' })));
  return html`<article class="page sigma-rule" data-page-id="${rule.id}">
<header class="page-head"><p class="kind">Sigma rule${rule.level === null ? '' : html` · level ${rule.level}`}${rule.status === null ? '' : html` · ${rule.status}`}</p>
<h1>${rule.title}</h1>
<table class="facts"><tr><th scope="row">ID</th><td><code>${rule.id}</code> ${copyButton(rule.id, `the rule ID ${rule.id}`)}</td></tr>
<tr><th scope="row">Log source</th><td>${[rule.logsource.product, rule.logsource.category, rule.logsource.service].filter((x) => x !== null).join(' / ')}</td></tr>
${rule.author === null ? '' : html`<tr><th scope="row">Author</th><td>${rule.author}</td></tr>`}
${rule.date === null ? '' : html`<tr><th scope="row">Date</th><td>${rule.date}</td></tr>`}
<tr><th scope="row">File</th><td><code>${rule.path}</code></td></tr></table></header>
${rule.description === null ? '' : section('description', 'Description', html`<p>${rule.description}</p>`)}
${section('context', 'Cyber Threat Graph Context', renderContext({ center: { id: rule.id, name: rule.title, type: 'sigma', href: '' }, nodes }))}
${rule.falsepositives.length === 0 ? '' : section('falsepositives', 'False positives', html`<ul>${rule.falsepositives.map((f) => html`<li>${f}</li>`)}</ul>`)}
${section('rule', 'Rule', html`<p class="actions">${copyButton(rule.yaml, 'the rule YAML')}</p><pre class="yaml" tabindex="0" aria-label="Rule YAML"><code>${highlightYaml(rule.yaml)}</code></pre>`)}
${rule.references.length === 0 ? '' : section('references', 'References', html`<ol class="refs">${rule.references.map((r) => html`<li>${isSafeUrl(r) ? html`<a href="${r}" rel="noopener noreferrer external">${r}</a>` : r}</li>`)}</ol>`)}
</article>`;
}
