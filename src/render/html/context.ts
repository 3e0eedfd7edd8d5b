/**
 * The "Cyber Threat Graph Context": a node's neighbourhood as one list of typed links. The server
 * renders it as a grouped list (the keyboard and screen-reader view, and the no-JavaScript view);
 * the browser bundle reads the same list from the DOM and draws it as an interactive graph with
 * type filters, so both views always show the same data.
 */
import { html, type SafeHtml } from './html.ts';
import { hrefFor } from './text.ts';

export interface ContextNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly href: string;
}

export interface ContextModel {
  readonly center: ContextNode;
  readonly nodes: ContextNode[];
}

export const CONTEXT_TYPES: readonly { readonly type: string; readonly label: string }[] = [
  { type: 'tactic', label: 'Tactics' },
  { type: 'technique', label: 'Techniques' },
  { type: 'group', label: 'Groups' },
  { type: 'software', label: 'Software' },
  { type: 'campaign', label: 'Campaigns' },
  { type: 'mitigation', label: 'Mitigations' },
  { type: 'data-component', label: 'Data components' },
  { type: 'detection-strategy', label: 'Detection strategies' },
  { type: 'analytic', label: 'Analytics' },
  { type: 'report', label: 'Reports' },
  { type: 'control', label: 'Controls' },
  { type: 'sigma', label: 'Sigma rules' },
];

/** Deduplicates by type + id, keeping the first. */
export function contextNodes(items: readonly { id: string; name: string; type: string; href?: string }[], scope = ''): ContextNode[] {
  const seen = new Set<string>();
  const out: ContextNode[] = [];
  for (const i of items) {
    const key = `${i.type}\u0000${i.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ id: i.id, name: i.name, type: i.type, href: i.href ?? hrefFor(i.type, i.id, scope) });
  }
  return out;
}

export function renderContext(model: ContextModel): SafeHtml {
  const groups = CONTEXT_TYPES.map((t) => ({ ...t, nodes: model.nodes.filter((n) => n.type === t.type) })).filter((g) => g.nodes.length > 0);
  const other = model.nodes.filter((n) => !CONTEXT_TYPES.some((t) => t.type === n.type));
  if (other.length > 0) groups.push({ type: 'other', label: 'Other', nodes: other });
  if (groups.length === 0) return html`<p class="empty">Nothing in the graph links to ${model.center.id} yet.</p>`;
  return html`<p class="hint">Explore how ${model.center.id} relates to the wider threat graph: drag to pan, scroll to zoom, click a node to open its page.</p>
<fieldset class="graph-filters"><legend>Show node types</legend>
${groups.map((g) => html`<label><input type="checkbox" checked data-filter-type="${g.type}"> <span class="dot t-${g.type}"></span>${g.label} (${g.nodes.length})</label> `)}
</fieldset>
<div class="graph" id="context-graph" data-center-id="${model.center.id}" data-center-name="${model.center.name}" data-center-type="${model.center.type}" aria-hidden="true"></div>
<div class="graph-list" id="context-list">
<h3 class="sr-only">List view of the graph</h3>
${groups.map(
  (g) => html`<div class="graph-group" data-group-type="${g.type}"><h4>${g.label}</h4><ul>${g.nodes.map(
    (n) => html`<li><a href="${n.href}" data-node-id="${n.id}" data-node-type="${n.type}" data-node-name="${n.name}">${n.id === n.name ? n.name : html`<span class="nid">${n.id}</span> ${n.name}`}</a></li>`,
  )}</ul></div>`,
)}
</div>`;
}
