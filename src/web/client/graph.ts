/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The Cyber Threat Graph Context drawn with cytoscape from the server-rendered list view (so both
 * show the same nodes): pan, zoom, filter by node type (graph and list together), click to pivot.
 * Loaded as its own chunk after the first paint.
 */
import cytoscape from 'cytoscape';

const TYPE_COLORS: Record<string, string> = {
  technique: '#0b57d0',
  tactic: '#5b21b6',
  group: '#b91c1c',
  software: '#c2410c',
  campaign: '#a16207',
  mitigation: '#15803d',
  'data-component': '#0e7490',
  'detection-strategy': '#0f766e',
  analytic: '#155e75',
  report: '#6b7280',
  control: '#7c3aed',
  sigma: '#be185d',
};

const TYPE_ORDER = Object.keys(TYPE_COLORS);

export function setupGraph(container: HTMLElement): void {
  const links = [...document.querySelectorAll<HTMLAnchorElement>('#context-list a[data-node-id]')];
  const centerId = container.dataset.centerId ?? '';
  const elements: cytoscape.ElementDefinition[] = [
    { data: { id: 'center', label: `${centerId}\n${container.dataset.centerName ?? ''}`, type: container.dataset.centerType ?? 'technique', center: 1 } },
  ];
  links.forEach((a, i) => {
    const type = a.dataset.nodeType ?? 'other';
    const id = `n${i}`;
    const name = a.dataset.nodeName ?? '';
    const nodeId = a.dataset.nodeId ?? '';
    elements.push({ data: { id, label: nodeId === name ? name : `${nodeId}\n${name}`.slice(0, 60), type, href: a.getAttribute('href') ?? '', nodeId } });
    elements.push({ data: { id: `e${i}`, source: 'center', target: id, type } });
  });
  const cy = cytoscape({
    container,
    elements,
    wheelSensitivity: 0.3,
    minZoom: 0.2,
    maxZoom: 3,
    style: [
      {
        selector: 'node',
        style: {
          'background-color': (n: cytoscape.NodeSingular) => TYPE_COLORS[String(n.data('type'))] ?? '#64748b',
          label: 'data(label)',
          'font-size': 9,
          'text-wrap': 'wrap',
          'text-max-width': '110px',
          'text-valign': 'bottom',
          'text-margin-y': 3,
          width: 18,
          height: 18,
          color: '#1b1f24',
        },
      },
      { selector: 'node[center = 1]', style: { width: 34, height: 34, 'font-size': 12, 'font-weight': 'bold', 'border-width': 3, 'border-color': '#0d1b2a' } },
      { selector: 'edge', style: { width: 1, 'line-color': '#cbd5e1', 'curve-style': 'haystack' } },
      { selector: '.hidden', style: { display: 'none' } },
    ],
    // The node in the middle, then one ring per kind of neighbour (so kinds sit together).
    layout: {
      name: 'concentric',
      concentric: (n: cytoscape.NodeSingular) => (n.data('center') === 1 ? 100 : 50 - Math.max(0, TYPE_ORDER.indexOf(String(n.data('type'))))),
      levelWidth: () => 1,
      minNodeSpacing: 14,
      animate: false,
    },
  });
  cy.on('tap', 'node', (e) => {
    const href = String((e.target as cytoscape.NodeSingular).data('href') ?? '');
    if (href !== '') location.href = href;
  });
  cy.on('mouseover', 'node', () => (container.style.cursor = 'pointer'));
  cy.on('mouseout', 'node', () => (container.style.cursor = ''));
  for (const box of document.querySelectorAll<HTMLInputElement>('input[data-filter-type]')) {
    box.addEventListener('change', () => {
      const type = box.dataset.filterType ?? '';
      cy.nodes().filter((n) => n.data('type') === type && n.data('center') !== 1).toggleClass('hidden', !box.checked);
      const group = document.querySelector<HTMLElement>(`.graph-group[data-group-type="${CSS.escape(type)}"]`);
      if (group !== null) group.hidden = !box.checked;
    });
  }
  (window as unknown as { __ttpgraph: unknown }).__ttpgraph = { cy };
}

