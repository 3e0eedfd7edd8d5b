/**
 * The stylesheet, served at /static/app.css (kept in code so the server needs no copy step). Heat
 * buckets h1..h9 are classes, so colouring needs no inline style under the CSP; text colours keep
 * WCAG AA contrast on every bucket.
 */
const HEAT = ['#ffffff', '#fff5e6', '#fee3c0', '#fdc98f', '#fdae61', '#f58a4b', '#e9603a', '#d7191c', '#b3141a', '#8c0f14'];

export const APP_CSS = `
:root { --fg: #1b1f24; --muted: #4b5563; --bg: #ffffff; --line: #d0d7de; --accent: #0b57d0; --soft: #f3f5f8; --card: #ffffff; --nid: #374151; --note: #fff8e1; --hover: #e8f0fe; --ins: #dcfce7; --del: #fee2e2; --ins-fg: #14532d; --del-fg: #7f1d1d; color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8eb; --muted: #a8b0ba; --bg: #111418; --line: #3a424c; --accent: #8ab4f8; --soft: #1d2228; --card: #161a1f; --nid: #c9d1d9; --note: #3a3000; --hover: #243447; --ins: #12361f; --del: #3d1515; --ins-fg: #bbf7d0; --del-fg: #fecaca; }
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.5; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1.2rem; background: #0d1b2a; color: #fff; }
.top a { color: #fff; text-decoration: none; }
.top .brand { font-weight: 700; font-size: 1.15rem; }
.top nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
.site-search, .search-form { position: relative; display: flex; gap: .4rem; align-items: center; margin-left: auto; }
.search-form { margin-left: 0; flex-wrap: wrap; }
input[type=search] { min-width: 16rem; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
select { background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; padding: .25rem .3rem; }
button, .button { padding: .35rem .8rem; border: 1px solid #0b57d0; background: #0b57d0; color: #fff; border-radius: 4px; cursor: pointer; text-decoration: none; font-size: .9rem; }
.suggestions { position: absolute; top: 100%; left: 0; z-index: 20; min-width: 24rem; margin: .2rem 0 0; padding: 0; list-style: none; background: var(--card); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; box-shadow: 0 6px 20px rgba(0,0,0,.15); }
.suggestions li { padding: .35rem .6rem; cursor: pointer; }
.suggestions li[aria-selected=true], .suggestions li:hover { background: var(--hover); }
.suggestions .sdom { color: var(--muted); font-size: .85em; }
.suggestions a { color: var(--fg); text-decoration: none; display: block; }
main { max-width: 82rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
.matrix-page { max-width: none; }
.foot { border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; padding: 1rem 1.2rem; }
.kind { color: var(--muted); margin: .2rem 0; text-transform: none; }
h1 { margin: .2rem 0 .8rem; font-size: 1.8rem; }
h2 { border-bottom: 2px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
.nid { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--nid); }
.facts { border-collapse: collapse; margin: .5rem 0; }
.facts th, .facts td { text-align: left; padding: .25rem .8rem .25rem 0; vertical-align: top; border-bottom: 1px solid var(--soft); }
.note { background: var(--note); border-left: 4px solid #f59e0b; padding: .4rem .7rem; }
.empty, .hint { color: var(--muted); }
.version { margin: .6rem 0; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.toc { position: sticky; top: 0; z-index: 15; background: var(--bg); }
.toc ul { display: flex; flex-wrap: wrap; gap: .3rem 1rem; list-style: none; padding: .5rem 0; margin: 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
section[id] { scroll-margin-top: 3rem; }
.actions { display: flex; gap: .8rem; align-items: center; margin: 0 0 .4rem; }
button.copy { padding: .1rem .5rem; font-size: .8rem; background: var(--soft); color: var(--fg); border-color: var(--line); }
.usage-label { font-weight: 600; margin: .4rem 0 .1rem; }
details.framework { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; margin: .5rem 0; }
details.framework summary { cursor: pointer; }
.h3 { font-size: 1.1rem; font-weight: 700; }
ins { background: var(--ins); color: var(--ins-fg); text-decoration: underline; }
del { background: var(--del); color: var(--del-fg); text-decoration: line-through; }
.yaml .k { color: #0550ae; } .yaml .s { color: #0a3069; } .yaml .c { color: #57606a; font-style: italic; } .yaml .p { color: #8250df; }
@media (prefers-color-scheme: dark) { .yaml .k { color: #79c0ff; } .yaml .s { color: #a5d6ff; } .yaml .c { color: #9ba3ad; } .yaml .p { color: #d2a8ff; } }
.graph-tip { position: absolute; z-index: 30; max-width: 28rem; padding: .3rem .5rem; background: var(--card); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; box-shadow: 0 4px 12px rgba(0,0,0,.2); font-size: .85rem; pointer-events: none; }
#context { position: relative; }
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
.graph-list > summary { cursor: pointer; color: var(--muted); }
.graph-list[open] { columns: 3 18rem; }
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
.tactic li { margin-bottom: 2px; }
.tactic li.has-subs { display: grid; grid-template-columns: minmax(0, 1fr) 1.2rem; align-items: start; }
.tactic li.has-subs > details { grid-column: 2; grid-row: 1; }
.tactic li.has-subs > details[open] { grid-column: 1 / -1; grid-row: 2; }
.tech { display: flex; gap: .3rem; align-items: baseline; font-size: .78rem; padding: .2rem .3rem; border: 1px solid var(--line); border-radius: 3px; color: var(--fg); text-decoration: none; background: var(--card); }
.tech .name { flex: 1 1 auto; min-width: 0; overflow-wrap: anywhere; }
.tech.has-subs { border-left: 5px solid #64748b; }
.tactic details summary { list-style: none; cursor: pointer; width: 1.2rem; text-align: center; font-size: .75rem; padding: .2rem 0; }
.tactic details summary::-webkit-details-marker { display: none; }
.tactic details summary::before { content: "▸"; }
.tactic details[open] summary::before { content: "▾"; }
.tactic details[open] summary { text-align: left; }
.subs { margin: .1rem 0 .3rem .6rem !important; }
.tech.sub { font-size: .74rem; }
.count { flex: 0 0 auto; font-weight: 600; margin-left: auto; }
.matrix-cue { font-size: .85rem; }
.matrix { background: linear-gradient(to right, var(--bg) 30%, rgba(0,0,0,0)) left / 3rem 100% no-repeat local, linear-gradient(to left, var(--bg) 30%, rgba(0,0,0,0)) right / 3rem 100% no-repeat local, radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.3), rgba(0,0,0,0)) left / 1rem 100% no-repeat scroll, radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.3), rgba(0,0,0,0)) right / 1rem 100% no-repeat scroll; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; margin: .4rem 0; font-size: .85rem; }
.swatch { display: inline-block; padding: .05rem .5rem; border: 1px solid var(--line); border-radius: 3px; }
${HEAT.map((c, i) => `.heat-${i} { background: ${c}; color: ${i >= 7 ? '#ffffff' : '#1b1f24'}; }`).join('\n')}
.__________cytoscape_container { position: relative; }
/* The first paint lays out one screen: sections below it wait (content-visibility), but only until
   the frame after the first paint, when the bundle marks the page laid out and every section renders
   (full-page captures, find-in-page, print). Print never waits. */
.page > section:not(#description):not(#context) { content-visibility: auto; contain-intrinsic-size: auto 600px; }
.laid-out .page > section:not(#description):not(#context) { content-visibility: visible; }
@media print { .page > section:not(#description):not(#context) { content-visibility: visible !important; } }
.tech.overlay { outline: 2px solid #111827; }
.coverage-level { display: inline-block; padding: 0 .45rem; border-radius: 3px; font-weight: 600; border: 1px solid var(--line); }
.coverage-level.level-none { background: #fde2e1; color: #8a1414; }
.coverage-level.level-visible { background: #fff1d6; color: #7a4b00; }
.coverage-level.level-detectable { background: #e3f4d7; color: #275d0f; }
.coverage-level.level-detected { background: #1a7f37; color: #ffffff; }
.coverage-analytics .present { color: #1a7f37; }
.coverage-analytics .missing { color: #b3141a; }
@media (prefers-color-scheme: dark) { .coverage-analytics .present { color: #86efac; } .coverage-analytics .missing { color: #fca5a5; } }
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
@media (prefers-color-scheme: dark) {
  .graph { background: #fbfcfe; }
  .tag { color: var(--fg); }
  .added { color: #86efac; } .removed { color: #fca5a5; }
  .failed { color: #fca5a5; }
  .tech.heat-0 { background: var(--card); color: var(--fg); }
  .report-text mark, .report-text mark sup { color: #111; }
}
@media print {
  .top nav, .site-search, .skip, .toc, .graph-filters, .matrix-controls, button, .copy, .actions a, .foot { display: none !important; }
  .toc { position: static; }
  body { color: #000; background: #fff; }
  main { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  .graph { break-inside: avoid; border: 0; }
  details > summary { list-style: none; }
  details::details-content { content-visibility: visible; display: contents; }
  section, .cards > li, tr { break-inside: avoid; }
  .matrix { overflow: visible; flex-wrap: wrap; }
}
`;
