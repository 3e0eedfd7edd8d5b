/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The Cyber Threat Graph Context drawn with cytoscape from the server-rendered list view (so both
 * show the same nodes). Read at a glance: the node in the middle on the left, its neighbours in one
 * box per kind (compound nodes), laid out in columns by this module (no force layout, so nothing
 * overlaps and the layout costs a few milliseconds); controls as one node per framework with its
 * count, expanding into its controls on click; labels one line, their font kept between 10.5 and 11 px on
 * screen whatever the zoom, the full name in a tooltip. Filtering by kind lays out and fits again.
 * Loaded as its own chunk after the first paint.
 */
import cytoscape from 'cytoscape';

const TYPE_COLORS: Record<string, string> = {
  tactic: '#5b21b6',
  technique: '#0b57d0',
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
/** Model units: a column, a row, the room a box's title takes. */
const COL_W = 225;
const ROW_H = 21;
const HEAD_H = 30;
const GAP_Y = 30;
const GAP_X = 30;
const LABEL_CHARS = 32;
/** Screen pixels a label's font may take, whatever the zoom. */
const FONT_MIN = 10.5;
const FONT_MAX = 11;
const FONT_MODEL = 11;

interface Item {
  readonly nodeId: string;
  readonly name: string;
  readonly type: string;
  readonly href: string;
  /** Controls: the framework's human name ("NIST SP 800-53"), and the version label. */
  readonly framework: string;
  readonly version: string;
}

interface Placed {
  readonly data: Record<string, unknown>;
  readonly position?: { x: number; y: number };
}

const isStix = (id: string): boolean => /--[0-9a-f]{8}-/.test(id);

/** Kinds whose IDs mean nothing to a reader (slugs, UUIDs): their nodes show the name alone. */
const NAME_ONLY = new Set(['report', 'sigma']);

function labelOf(nodeId: string, name: string, type = ''): string {
  const text = nodeId === '' || nodeId === name || isStix(nodeId) || NAME_ONLY.has(type) ? name : `${nodeId} ${name}`;
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
}

function readItems(): Item[] {
  return [...document.querySelectorAll<HTMLAnchorElement>('#context-list a[data-node-id]')].map((a) => ({
    nodeId: a.dataset.nodeId ?? '',
    name: a.dataset.nodeName ?? '',
    type: a.dataset.nodeType ?? 'other',
    href: a.getAttribute('href') ?? '',
    framework: a.dataset.framework ?? '',
    version: a.dataset.frameworkVersion ?? '',
  }));
}

const TYPE_LABELS: Record<string, string> = {
  tactic: 'Tactics',
  technique: 'Techniques',
  group: 'Groups',
  software: 'Software',
  campaign: 'Campaigns',
  mitigation: 'Mitigations',
  'data-component': 'Data components',
  'detection-strategy': 'Detection strategies',
  analytic: 'Analytics',
  report: 'Reports',
  control: 'Controls',
  sigma: 'Sigma rules',
  other: 'Other',
};

/** The rows of one kind's box: its nodes, with controls folded into one row per framework unless expanded. */
function rowsOf(type: string, items: readonly Item[], expanded: ReadonlySet<string>): Placed[] {
  if (type !== 'control') {
    return items.map((it, i) => ({
      data: { id: `${type}-${i}`, label: labelOf(it.nodeId, it.name, type), full: `${it.nodeId === it.name || isStix(it.nodeId) || NAME_ONLY.has(type) ? '' : `${it.nodeId} `}${it.name}`, type, href: it.href, nodeId: it.nodeId },
    }));
  }
  const byFramework = new Map<string, Item[]>();
  for (const it of items) byFramework.set(it.framework, [...(byFramework.get(it.framework) ?? []), it]);
  const rows: Placed[] = [];
  let f = 0;
  for (const [framework, all] of byFramework) {
    const open = expanded.has(framework);
    // The newest version only (the server lists it first): versions of one framework are not added up.
    const version = all[0]?.version ?? '';
    const controls = all.filter((c) => c.version === version);
    const older = [...new Set(all.filter((c) => c.version !== version).map((c) => c.version))];
    rows.push({
      data: {
        id: `fw-${f}`,
        label: `${open ? '▾' : '▸'} ${framework} (${controls.length})`,
        full: `${framework} ${version}: ${controls.length} control(s)${older.length > 0 ? `; also mapped in ${older.join(', ')} (see the list)` : ''}. Click to ${open ? 'fold' : 'list'} them.`,
        type: 'control',
        framework,
        frameworkNode: 1,
      },
    });
    if (open) {
      controls.forEach((c, i) =>
        rows.push({
          data: {
            id: `fw-${f}-${i}`,
            label: labelOf(c.nodeId, c.name),
            full: `${c.nodeId} ${c.name} · ${framework} ${c.version}`,
            type: 'control',
            href: c.href,
            nodeId: c.nodeId,
            member: 1,
          },
        }),
      );
    }
    f++;
  }
  return rows;
}

interface Box {
  readonly type: string;
  readonly rows: Placed[];
  readonly cols: number;
  readonly perCol: number;
}

/** Boxes in columns, left to right, small ones stacked; the tallest column is at most `maxH`. */
function place(boxes: readonly Box[], maxH: number): { nodes: Placed[]; width: number; height: number } {
  const nodes: Placed[] = [];
  let x = 0;
  let y = 0;
  let colWidth = 0;
  let height = 0;
  for (const box of boxes) {
    const h = HEAD_H + box.perCol * ROW_H;
    if (y > 0 && y + h > maxH) {
      x += colWidth + GAP_X;
      y = 0;
      colWidth = 0;
    }
    box.rows.forEach((row, i) => {
      const col = Math.floor(i / box.perCol);
      const r = i % box.perCol;
      nodes.push({ data: { ...row.data, parent: `box-${box.type}` }, position: { x: x + col * COL_W, y: y + HEAD_H + r * ROW_H } });
    });
    y += h + GAP_Y;
    height = Math.max(height, y - GAP_Y);
    colWidth = Math.max(colWidth, box.cols * COL_W);
  }
  return { nodes, width: x + colWidth, height };
}

export interface GraphHandle {
  readonly cy: cytoscape.Core;
  /** performance.now() when the first layout was done and the graph could be used. */
  readonly ready: number;
}

export function setupGraph(container: HTMLElement): GraphHandle {
  const items = readItems();
  const centerId = container.dataset.centerId ?? '';
  const centerName = container.dataset.centerName ?? '';
  const centerType = container.dataset.centerType ?? 'technique';
  const expanded = new Set<string>();
  const hidden = new Set<string>();
  const baseHeight = container.clientHeight;

  const cy = cytoscape({
    container,
    // Cytoscape pads a label's box by 4 model units: above 1.2 the padding alone would push a label past 16 px.
    minZoom: 0.5,
    maxZoom: 1.2,
    boxSelectionEnabled: false,
    autoungrabify: true,
    style: [
      {
        selector: 'node',
        style: {
          'background-color': (n: cytoscape.NodeSingular) => TYPE_COLORS[String(n.data('type'))] ?? '#64748b',
          label: 'data(label)',
          'font-size': FONT_MODEL,
          'text-halign': 'right',
          'text-valign': 'center',
          'text-margin-x': 6,
          'text-wrap': 'none',
          width: 12,
          height: 12,
          color: '#1b1f24',
        },
      },
      { selector: 'node[frameworkNode = 1]', style: { shape: 'round-rectangle', width: 16, height: 12, 'font-weight': 'bold' } },
      {
        selector: 'node[center = 1]',
        style: { width: 26, height: 26, 'font-weight': 'bold', 'border-width': 3, 'border-color': '#0d1b2a', 'text-halign': 'center', 'text-valign': 'bottom', 'text-margin-x': 0, 'text-margin-y': 0 },
      },
      {
        selector: ':parent',
        style: {
          'background-color': '#ffffff',
          'background-opacity': 1,
          'border-width': 1,
          'border-color': '#cbd5e1',
          shape: 'round-rectangle',
          padding: '10px',
          'z-compound-depth': 'orphan',
          'text-valign': 'top',
          'text-halign': 'center',
          'text-margin-x': 0,
          'font-weight': 'bold',
          color: '#374151',
        },
      },
      { selector: 'edge', style: { width: 1, 'line-color': '#94a3b8', 'curve-style': 'straight', 'target-arrow-shape': 'none', 'z-compound-depth': 'bottom', 'z-index': 0 } },
    ],
  });

  /** Labels keep their on-screen size between FONT_MIN and FONT_MAX px whatever the zoom. */
  const sizeLabels = (): void => {
    const z = cy.zoom();
    const px = Math.min(FONT_MAX, Math.max(FONT_MIN, FONT_MODEL * z));
    cy.nodes().style('font-size', px / z);
    // A centred label's box is a little taller than a side label's: the same box height for both.
    cy.getElementById('center').style('font-size', (px * 0.95) / z);
  };

  const draw = (): void => {
    const groups = new Map<string, Item[]>();
    for (const it of items) {
      const type = TYPE_ORDER.includes(it.type) ? it.type : 'other';
      groups.set(type, [...(groups.get(type) ?? []), it]);
    }
    const width = Math.max(320, container.clientWidth);
    const types = [...TYPE_ORDER, 'other'].filter((t) => groups.has(t) && !hidden.has(t));
    const rows = new Map(types.map((t) => [t, rowsOf(t, groups.get(t) ?? [], expanded)]));
    // As tall as the box allows; taller (the box grows) only as much as the columns need to fit its width.
    let maxRows = Math.max(6, Math.floor((baseHeight - 150) / ROW_H));
    let laid = place([], 0);
    for (let attempt = 0; attempt < 40; attempt++) {
      const boxes = types.map((t) => {
        const r = rows.get(t) ?? [];
        const cols = Math.max(1, Math.ceil(r.length / maxRows));
        return { type: t, rows: r, cols, perCol: Math.ceil(r.length / cols) };
      });
      laid = place(boxes, maxRows * ROW_H + HEAD_H);
      if (laid.width + 60 <= width) break;
      maxRows = Math.ceil(maxRows * 1.12);
    }
    // The node in question above its neighbours' boxes, an edge to each box.
    const centerX = laid.width / 2 - COL_W / 4;
    const centerY = -90;
    const elements: cytoscape.ElementDefinition[] = [
      { data: { id: 'center', label: labelOf(centerId, centerName, centerType), full: `${centerId} ${centerName}`, type: centerType, center: 1 }, position: { x: centerX, y: centerY } },
      ...types.map((t) => ({
        data: { id: `box-${t}`, label: t === 'control' ? `Controls (${rows.get(t)?.filter((r) => r.data.frameworkNode === 1).length ?? 0} frameworks)` : `${TYPE_LABELS[t] ?? t} (${groups.get(t)?.length ?? 0})`, type: 'box' },
      })),
      ...laid.nodes.map((n) => ({ data: n.data, position: n.position ?? { x: 0, y: 0 } })),
      ...types.map((t) => ({ data: { id: `edge-${t}`, source: 'center', target: `box-${t}` } })),
    ];
    // The box grows with the graph so that a large neighbourhood still reads at zoom 1.
    const needed = Math.ceil(laid.height + 200);
    container.style.height = `${Math.max(baseHeight, Math.min(2400, needed))}px`;
    cy.resize();
    cy.elements().remove();
    cy.add(elements);
    cy.layout({ name: 'preset', fit: false }).run();
    cy.fit(cy.elements(), 24);
    if (cy.zoom() > 1) {
      cy.zoom(1);
      cy.center();
    }
    sizeLabels();
  };

  draw();
  cy.on('zoom', sizeLabels);
  cy.on('tap', 'node', (e) => {
    const node = e.target as cytoscape.NodeSingular;
    if (node.data('frameworkNode') === 1) {
      const f = String(node.data('framework'));
      if (expanded.has(f)) expanded.delete(f);
      else expanded.add(f);
      draw();
      return;
    }
    const href = String(node.data('href') ?? '');
    if (href !== '') location.href = href;
  });

  // The full name on hover (labels are cut to one line).
  const tip = document.createElement('div');
  tip.className = 'graph-tip';
  tip.hidden = true;
  container.after(tip);
  cy.on('mouseover', 'node', (e) => {
    const node = e.target as cytoscape.NodeSingular;
    const full = String(node.data('full') ?? node.data('label') ?? '');
    if (full === '') return;
    tip.textContent = full;
    const p = node.renderedPosition();
    tip.style.left = `${container.offsetLeft + p.x + 12}px`;
    tip.style.top = `${container.offsetTop + p.y + 12}px`;
    tip.hidden = false;
    container.style.cursor = node.data('href') !== undefined || node.data('frameworkNode') === 1 ? 'pointer' : '';
  });
  cy.on('mouseout', 'node', () => {
    tip.hidden = true;
    container.style.cursor = '';
  });

  for (const box of document.querySelectorAll<HTMLInputElement>('input[data-filter-type]')) {
    box.addEventListener('change', () => {
      const type = box.dataset.filterType ?? '';
      if (box.checked) hidden.delete(type);
      else hidden.add(type);
      const group = document.querySelector<HTMLElement>(`.graph-group[data-group-type="${CSS.escape(type)}"]`);
      if (group !== null) group.hidden = !box.checked;
      draw();
    });
  }
  const handle = { cy, ready: performance.now() };
  (window as unknown as { __ttpgraph: GraphHandle }).__ttpgraph = handle;
  return handle;
}
