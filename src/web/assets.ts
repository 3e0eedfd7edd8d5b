/**
 * The stylesheet, served at /static/app.css (kept in code so the server needs no copy step). Heat
 * buckets h1..h9 are classes, so colouring needs no inline style under the CSP; text colours keep
 * WCAG AA contrast on every bucket.
 */
const HEAT = ['#ffffff', '#fff5e6', '#fee3c0', '#fdc98f', '#fdae61', '#f58a4b', '#e9603a', '#d7191c', '#b3141a', '#8c0f14'];

export const APP_CSS = `
:root { --fg: #1b1f24; --muted: #4b5563; --bg: #ffffff; --line: #d0d7de; --accent: #0b57d0; --soft: #f3f5f8; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.5; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1.2rem; background: #0d1b2a; color: #fff; }
.top a { color: #fff; text-decoration: none; }
.top .brand { font-weight: 700; font-size: 1.15rem; }
.top nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
.site-search, .search-form { position: relative; display: flex; gap: .4rem; align-items: center; margin-left: auto; }
.search-form { margin-left: 0; flex-wrap: wrap; }
input[type=search] { min-width: 16rem; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
button, .button { padding: .35rem .8rem; border: 1px solid #0b57d0; background: #0b57d0; color: #fff; border-radius: 4px; cursor: pointer; text-decoration: none; font-size: .9rem; }
.suggestions { position: absolute; top: 100%; left: 0; z-index: 20; min-width: 24rem; margin: .2rem 0 0; padding: 0; list-style: none; background: #fff; color: var(--fg); border: 1px solid var(--line); border-radius: 4px; box-shadow: 0 6px 20px rgba(0,0,0,.15); }
.suggestions li { padding: .35rem .6rem; cursor: pointer; }
.suggestions li[aria-selected=true], .suggestions li:hover { background: #e8f0fe; }
.suggestions a { color: var(--fg); text-decoration: none; display: block; }
main { max-width: 82rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
.matrix-page { max-width: none; }
.foot { border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; padding: 1rem 1.2rem; }
.kind { color: var(--muted); margin: .2rem 0; text-transform: none; }
h1 { margin: .2rem 0 .8rem; font-size: 1.8rem; }
h2 { border-bottom: 2px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
.nid { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; color: #374151; }
.facts { border-collapse: collapse; margin: .5rem 0; }
.facts th, .facts td { text-align: left; padding: .25rem .8rem .25rem 0; vertical-align: top; border-bottom: 1px solid var(--soft); }
.note { background: #fff8e1; border-left: 4px solid #f59e0b; padding: .4rem .7rem; }
.empty, .hint { color: var(--muted); }
.version { margin: .6rem 0; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.toc ul { display: flex; flex-wrap: wrap; gap: .3rem 1rem; list-style: none; padding: .5rem 0; margin: 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
.cards { list-style: none; padding: 0; display: grid; gap: .8rem; }
.cards > li { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .9rem; }
.cards h4, .cards .h4 { margin: 0 0 .3rem; font-size: 1.02rem; }
.meta { color: var(--muted); font-size: .88rem; margin: 0; }
.grid { border-collapse: collapse; width: 100%; margin: .5rem 0; }
.grid th, .grid td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
.grid thead th { background: var(--soft); }
.plain { list-style: none; margin: 0; padding: 0; }
ul.inline { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .2rem 1rem; }
.tag { display: inline-block; font-size: .78rem; background: var(--soft); border: 1px solid var(--line); border-radius: 999px; padding: 0 .5rem; color: #374151; }
.refs li { margin-bottom: .3rem; word-break: break-word; }
pre { background: var(--soft); padding: .5rem .8rem; border-radius: 4px; overflow-x: auto; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .92em; }
.graph-filters { border: 1px solid var(--line); border-radius: 6px; display: flex; flex-wrap: wrap; gap: .3rem 1rem; }
.graph { height: 30rem; border: 1px solid var(--line); border-radius: 6px; margin: .6rem 0; background: #fbfcfe; display: none; }
.graph.on { display: block; }
.graph-list { columns: 3 18rem; }
.graph-group { break-inside: avoid; }
.graph-group h4 { margin: .4rem 0 .2rem; }
.graph-group ul { margin: 0 0 .6rem; padding-left: 1.2rem; }
.dot { display: inline-block; width: .7rem; height: .7rem; border-radius: 50%; margin-right: .3rem; vertical-align: middle; background: #999; }
.t-technique { background: #0b57d0; } .t-tactic { background: #5b21b6; } .t-group { background: #b91c1c; } .t-software { background: #c2410c; }
.t-campaign { background: #a16207; } .t-mitigation { background: #15803d; } .t-data-component { background: #0e7490; } .t-detection-strategy { background: #0f766e; }
.t-analytic { background: #155e75; } .t-report { background: #6b7280; } .t-control { background: #7c3aed; } .t-sigma { background: #be185d; }
.matrix-controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-bottom: .6rem; }
.matrix { display: flex; gap: .35rem; overflow-x: auto; align-items: flex-start; padding-bottom: 1rem; }
.tactic { min-width: 9.5rem; max-width: 11rem; flex: 1 0 9.5rem; }
.tactic h2 { font-size: .85rem; margin: 0 0 .3rem; padding: .3rem; background: #0d1b2a; border: 0; min-height: 3.2rem; }
.tactic h2 a { color: #fff; }
.count-all { color: #cbd5e1; font-weight: 400; font-size: .75rem; }
.tactic ul { list-style: none; margin: 0; padding: 0; }
.tactic li { margin-bottom: 2px; position: relative; }
.tech { display: block; font-size: .78rem; padding: .2rem .3rem; border: 1px solid var(--line); border-radius: 3px; color: var(--fg); text-decoration: none; background: #fff; }
.tech.has-subs { border-left: 5px solid #64748b; }
.tactic details { position: absolute; right: 0; top: 0; }
.tactic details summary { list-style: none; cursor: pointer; width: 1.1rem; text-align: center; font-size: .75rem; }
.tactic details summary::before { content: "▸"; }
.tactic details[open] summary::before { content: "▾"; }
.tactic details[open] { position: static; }
.subs { margin: .1rem 0 .3rem .6rem !important; }
.tech.sub { font-size: .74rem; }
.count { float: right; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; margin: .4rem 0; font-size: .85rem; }
.swatch { display: inline-block; padding: .05rem .5rem; border: 1px solid var(--line); border-radius: 3px; }
${HEAT.map((c, i) => `.heat-${i} { background: ${c}; color: ${i >= 7 ? '#ffffff' : '#1b1f24'}; }`).join('\n')}
.__________cytoscape_container { position: relative; }
/* Sections below the first screen (all but the description), and the graph's list view under the
   graph, are laid out when scrolled to: the first paint lays out one screen, not the whole page. */
.page > section:not(#description):not(#context), #context-list { content-visibility: auto; contain-intrinsic-size: auto 600px; }
.tech.overlay { outline: 2px solid #111827; }
.results li { margin-bottom: .8rem; }
.results p { margin: .1rem 0; color: var(--muted); }
.job-banner { margin: 0 0 1rem; padding: .6rem .9rem; border: 1px solid #9ec5fe; border-left: 6px solid var(--accent); background: #eef4ff; border-radius: 4px; }
.job-banner.failed { border-color: #f5c2c7; border-left-color: #b3141a; background: #fff1f2; }
.sync-form { display: grid; grid-template-columns: max-content minmax(12rem, 32rem); gap: .5rem 1rem; align-items: center; margin: .8rem 0; }
.sync-form .hint, .sync-actions { grid-column: 2; margin: 0; font-size: .88rem; }
.sync-form input, .sync-form select { padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
#sync-status progress { width: 100%; max-width: 32rem; }
.failed { color: #991b1b; }
.added { color: #166534; } .removed { color: #991b1b; text-decoration: line-through; }
.report-text { white-space: pre-wrap; max-width: 60rem; line-height: 1.5; }
.report-text mark { background: #fff1a8; } .report-text mark:target { outline: 2px solid var(--accent); }
.report-text sup { font-size: .7rem; color: var(--muted); margin-left: .2rem; }
.review fieldset.verdict { border: 0; margin: 0; padding: 0; white-space: nowrap; }
.review-save { margin: .8rem 0; } .review-save input { padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
`;
