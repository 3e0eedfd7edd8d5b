/**
 * The "Cyber Threat Graph Context": a node's neighbourhood as one list of typed links. The server
 * renders it as a grouped list (the keyboard and screen-reader view, and the no-JavaScript view);
 * the browser bundle reads the same list from the DOM and draws it as an interactive graph with
 * type filters, so both views always show the same data.
 */
import { html, type SafeHtml } from './html.ts';
import { isStixId } from '../../core/attack.ts';
import { hrefFor } from './text.ts';

export interface ContextNode {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly href: string;
  /** Controls: the framework's human name and version ("NIST SP 800-53", "rev5"): the graph shows one node per framework. */
  readonly framework?: string;
  readonly frameworkVersion?: string;
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
export function contextNodes(
  items: readonly { id: string; name: string; type: string; href?: string; framework?: string; frameworkVersion?: string }[],
  scope = '',
): ContextNode[] {
  const seen = new Set<string>();
  const out: ContextNode[] = [];
  for (const i of items) {
    const key = `${i.type}\u0000${i.id}\u0000${i.framework ?? ''}\u0000${i.frameworkVersion ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...i, href: i.href ?? hrefFor(i.type, i.id, scope) });
  }
  return out;
}

/** "T1114 Email Collection"; a node known only by its STIX id (15.1's data components) by its name alone. */
export function nodeText(id: string, name: string): SafeHtml {
  return id === name || isStixId(id) ? html`${name}` : html`<span class="nid">${id}</span> ${name}`;
}

export function renderContext(model: ContextModel): SafeHtml {
  const groups = CONTEXT_TYPES.map((t) => ({ ...t, nodes: model.nodes.filter((n) => n.type === t.type) })).filter((g) => g.nodes.length > 0);
  const other = model.nodes.filter((n) => !CONTEXT_TYPES.some((t) => t.type === n.type));
  if (other.length > 0) groups.push({ type: 'other', label: 'Other', nodes: other });
  if (groups.length === 0) return html`<p class="empty">Nothing in the graph links to ${isStixId(model.center.id) ? model.center.name : model.center.id} yet.</p>`;
  const frameworks = new Set(model.nodes.filter((n) => n.framework !== undefined).map((n) => n.framework)).size;
  return html`<p class="hint">How ${isStixId(model.center.id) ? model.center.name : model.center.id} relates to the wider threat graph, one box per kind of node${
    frameworks > 0 ? ', controls as one node per framework (click it to list them)' : ''
  }. Drag to pan, scroll to zoom, click a node to open its page.</p>
<fieldset class="graph-filters"><legend>Show node types</legend>
${groups.map((g) => html`<label><input type="checkbox" checked data-filter-type="${g.type}"> <span class="dot t-${g.type}"></span>${g.label} (${g.nodes.length})</label> `)}
</fieldset>
<div class="graph" id="context-graph" data-center-id="${model.center.id}" data-center-name="${model.center.name}" data-center-type="${model.center.type}" aria-hidden="true"></div>
<details class="graph-list" id="context-list"><summary>The graph as a list (${model.nodes.length} nodes)</summary>
${groups.map(
  (g) => html`<div class="graph-group" data-group-type="${g.type}"><h3 class="h4">${g.label}</h3><ul>${g.nodes.map(
    (n) =>
      html`<li><a href="${n.href}" data-node-id="${n.id}" data-node-type="${n.type}" data-node-name="${n.name}"${
        n.framework === undefined ? '' : html` data-framework="${n.framework}" data-framework-version="${n.frameworkVersion ?? ''}"`
      }>${nodeText(n.id, n.name)}</a>${n.framework === undefined ? '' : html` <span class="tag">${n.framework} ${n.frameworkVersion ?? ''}</span>`}</li>`,
  )}</ul></div>`,
)}
</details>`;
}
