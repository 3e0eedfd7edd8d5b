/**
 * Coverage as HTML: the technique page's "Your coverage" section (which of its analytics your logs
 * feed, which rules can run, what fired, what would close the gap) and the /coverage page (an
 * adversary's techniques with your level, worst first). Every value goes through html`` escaping.
 */
import type { TechniqueCoverage } from '../../query/coverage/coverage.ts';
import type { GapList } from '../../query/coverage/gaps.ts';
import { COVERAGE_LEVELS, type CoverageLevel } from '../../query/coverage/levels.ts';
import { html, type SafeHtml } from './html.ts';
import { hrefFor } from './text.ts';

const LEVEL_WORDS: Record<CoverageLevel, string> = {
  none: 'none: nothing in your logs or rules for it',
  visible: 'visible: your logs hold what an analytic needs',
  detectable: 'detectable: a Sigma rule for it can run on your logs',
  detected: 'detected: a rule fired in your newest saved hunt',
};

export function levelBadge(level: CoverageLevel, declared: boolean): SafeHtml {
  return html`<span class="coverage-level level-${level}" data-level="${level}">${level}${declared ? ' (declared)' : ''}</span>`;
}

const basisLine = (b: GapList['basis']): SafeHtml =>
  html`<p class="coverage-basis">From ${b.inventory === null ? 'no saved log inventory' : html`log inventory ${b.inventory.id}${b.inventory.label === null ? '' : html` “${b.inventory.label}”`} (${b.inventory.events} events)`}, ${b.hunt === null ? 'no saved hunt' : html`saved hunt ${b.hunt.id}${b.hunt.label === null ? '' : html` “${b.hunt.label}”`}`}${b.declared === null ? '' : html` and what ${b.declared.source} declares`}.</p>`;

/** The technique page's section body. */
export function renderTechniqueCoverage(c: TechniqueCoverage, scope: string): SafeHtml {
  const presentWord = (p: boolean, declared: boolean): SafeHtml => (p ? html`<strong class="present">present${declared ? ' (declared)' : ''}</strong>` : html`<span class="missing">missing</span>`);
  const b = c.basis;
  const noEvidence = b.inventory === null && b.hunt === null && b.declared === null;
  return html`${noEvidence
    ? html`<p class="note" role="note">No log inventory, saved hunt or declared coverage yet: save one with <code>ttpgraph hunt --save LOGS...</code> (or <code>ttpgraph logs inventory --save LOGS...</code>, <code>ttpgraph coverage --declare FILE</code>).</p>`
    : basisLine(b)}
<p>Level: ${levelBadge(c.level, c.declared)} — ${LEVEL_WORDS[c.level]}.</p>
<ul class="reasons">${c.reasons.map((r) => html`<li>${r}</li>`)}</ul>
${c.gaps.length === 0 ? '' : html`<h3>What would close the gap</h3><ul class="gaps">${c.gaps.map((g) => html`<li>${g.what} → <em>${g.reaches}</em></li>`)}</ul>`}
${c.analytics.length === 0
  ? ''
  : html`<h3>Analytics you can run</h3><table class="grid coverage-analytics"><caption class="sr-only">The technique's analytics and whether your logs hold their log sources</caption><thead><tr><th scope="col">Analytic</th><th scope="col">Platforms</th><th scope="col">Log sources in your logs</th></tr></thead><tbody>${c.analytics.map(
      (a) => html`<tr data-analytic="${a.id}" data-runnable="${a.runnable}"><td><a href="${hrefFor('analytic', a.id, scope)}">${a.id}</a><br><small>${a.runnable === 'all' ? 'all its log sources' : a.runnable === 'some' ? 'some of its log sources' : 'none of its log sources'}</small></td><td>${a.platforms.join(', ')}</td><td><ul class="plain">${a.logSources.map(
        (l) =>
          html`<li data-present="${String(l.present)}"><code>${l.name}</code>${l.channel === null || l.channel === '' ? '' : html` <code>${l.channel}</code>`}: ${presentWord(l.present, l.declared)}${l.events > 0 ? html` (${l.events} events)` : ''}${l.present && l.presentEventIds.length > 0 ? html`; event ${l.presentEventIds.join(', ')} present` : ''}${l.present && l.missingEventIds.length > 0 ? html`, event ${l.missingEventIds.join(', ')} missing` : ''}${l.present ? '' : html` — needs ${l.needs}`}</li>`,
      )}</ul></td></tr>`,
    )}</tbody></table>`}
${c.dataComponents.length === 0
  ? ''
  : html`<h3>Data components in your logs</h3><ul class="plain">${c.dataComponents.map((d) => html`<li>${d.name}: ${presentWord(d.present, d.declared)}${d.logSources.length === 0 ? ' (ttpgraph knows no log source for it: declare it)' : html` — ${d.logSources.map((l) => l.needs).join('; ')}`}</li>`)}</ul>`}
${c.rules.length === 0
  ? ''
  : html`<h3>Sigma rules that apply</h3><table class="grid coverage-rules"><caption class="sr-only">The technique's Sigma rules and whether they can run on your logs</caption><thead><tr><th scope="col">Rule</th><th scope="col">Can run</th><th scope="col">Hits</th><th scope="col">Needs</th></tr></thead><tbody>${c.rules.map(
      (r) => html`<tr><td><a href="${hrefFor('sigma', r.id)}">${r.title}</a>${r.subtechnique === null ? '' : html` <small>(for ${r.subtechnique})</small>`}</td><td>${r.runnable ? (r.declared ? 'yes (declared)' : 'yes') : 'no'}</td><td>${r.hits}</td><td>${r.needs}</td></tr>`,
    )}</tbody></table>`}`;
}

/** The /coverage page body. */
export function renderCoveragePage(list: GapList | null, form: { group: string }, error: string | null): SafeHtml {
  return html`<article class="page coverage">
<header class="page-head"><p class="kind">Coverage</p><h1>${list === null ? 'Your coverage against an adversary' : html`Your coverage against <span class="nid">${list.target.id}</span> ${list.target.name}`}</h1></header>
<form class="coverage-form" action="/coverage" method="get"><label for="coverage-group">Group, campaign or software ID</label> <input id="coverage-group" name="group" value="${form.group}" placeholder="G0059"> <button type="submit">Show</button></form>
${error === null ? '' : html`<p class="note" role="alert">${error}</p>`}
${list === null
  ? html`<p>Levels per technique, from your saved log inventory, the Sigma rules in the store and your newest saved hunt: ${COVERAGE_LEVELS.map((l, i) => html`${i > 0 ? ', ' : ''}${levelBadge(l, false)}`)}. Save both with <code>ttpgraph hunt --save LOGS...</code>.</p>`
  : html`${basisLine(list.basis)}
<p class="coverage-summary">${list.techniques.length} techniques (ATT&amp;CK ${list.domain} ${list.attackVersion}): ${COVERAGE_LEVELS.map((l, i) => html`${i > 0 ? ', ' : ''}${list.summary[l]} ${levelBadge(l, false)}`)}.
<a href="/api/v1/coverage?${list.target.type === 'report' ? 'report' : list.target.type}=${list.target.id}&amp;format=navigator" download="${list.target.id}-coverage.json">Navigator layer</a></p>
<table class="grid coverage-gaps"><caption class="sr-only">Techniques of ${list.target.id}, worst covered first</caption><thead><tr><th scope="col">Technique</th><th scope="col">Level</th><th scope="col">Why</th><th scope="col">To close the gap</th></tr></thead><tbody>${list.techniques.map(
      (t) => html`<tr data-level="${t.level}"><td><span class="nid">${t.id}</span> <a href="${hrefFor('technique', t.id)}#coverage">${t.name}</a></td><td>${levelBadge(t.level, t.declared)}</td><td><ul class="plain">${t.reasons.map((r) => html`<li>${r}</li>`)}</ul></td><td>${t.closeWith ?? '—'}</td></tr>`,
    )}</tbody></table>`}
</article>`;
}
