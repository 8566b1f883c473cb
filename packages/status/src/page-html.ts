// The status page: server-rendered HTML that works without JavaScript, plus one small script file
// (no inline script or style, so the Content-Security-Policy can forbid both) that submits reports
// with fetch and redraws the 24-hour chart.
import type { ComponentView, Overall } from './engine.js';
import { HUMAN_STATUS } from './engine.js';
import { PROBLEM_TYPES, type ProblemType } from './detector.js';
import { MAX_REPORT_TEXT } from './reports.js';
import type { ComponentStatus, Incident } from './store.js';

export interface ChartSlot { start: number; reports: number; baseline: number }
export interface UptimeDay { day: string; status: ComponentStatus | 'nodata'; uptime: number | null }
export interface UptimeRow { component: string; name: string; days: UptimeDay[]; uptime: number | null }

export interface PageModel {
  pageName: string;
  overall: Overall;
  description: string;
  components: ComponentView[];
  chart: ChartSlot[];
  mostReported: { problem: ProblemType; count: number; share: number }[];
  uptime: UptimeRow[];
  incidents: Incident[];
  flash: 'counted' | 'duplicate' | null;
  /** The report form's anti-forgery token (reports.ts). */
  formToken: string;
  now: Date;
}

export const PROBLEM_LABELS: Record<ProblemType, string> = {
  login: 'Login', posting: 'Posting', timeline: 'Timeline', notifications: 'Notifications', website: 'Website', app: 'App', other: 'Something else',
};

export function headline(overall: Overall, pageName: string): string {
  return overall === 'problems' ? `Problems detected at ${pageName}`
    : overall === 'possible' ? `Possible problems at ${pageName}` : `No problems at ${pageName}`;
}

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c]!);

// Chart geometry, shared in spirit with status.js (which redraws from the same JSON).
const W = 960, H = 220, PAD_LEFT = 36, PAD_BOTTOM = 22, PAD_TOP = 8;

function hhmm(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

export function chartSvg(slots: ChartSlot[]): string {
  const max = Math.max(5, ...slots.map((s) => Math.max(s.reports, s.baseline)));
  const plotH = H - PAD_BOTTOM - PAD_TOP;
  const bw = (W - PAD_LEFT) / slots.length;
  const y = (v: number) => PAD_TOP + plotH - (v / max) * plotH;
  const bars = slots.map((s, i) => `<rect class="bar" data-start="${s.start}" data-count="${s.reports}" x="${(PAD_LEFT + i * bw + 1).toFixed(1)}" y="${y(s.reports).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${(PAD_TOP + plotH - y(s.reports)).toFixed(1)}"><title>${hhmm(s.start)} UTC: ${s.reports} reports (baseline ${s.baseline})</title></rect>`).join('');
  const line = slots.map((s, i) => `${(PAD_LEFT + i * bw + bw / 2).toFixed(1)},${y(s.baseline).toFixed(1)}`).join(' ');
  const labels = slots.map((s, i) => (i % 16 === 0 ? `<text class="axis" x="${(PAD_LEFT + i * bw).toFixed(1)}" y="${H - 6}">${hhmm(s.start)}</text>` : '')).join('');
  return `<svg id="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-title" data-max="${max}">
<title id="chart-title">Reports per 15 minutes over the last 24 hours, against the usual number for that time of day</title>
<text class="axis" x="0" y="${PAD_TOP + 10}">${max}</text><text class="axis" x="0" y="${H - PAD_BOTTOM}">0</text>
<g id="chart-bars">${bars}</g><polyline id="chart-baseline" class="baseline" points="${line}"/><g>${labels}</g></svg>`;
}

function uptimeSvg(row: UptimeRow): string {
  const w = 3, gap = 1;
  const rects = row.days.map((d, i) => `<rect class="u-${d.status}" x="${i * (w + gap)}" y="0" width="${w}" height="24"><title>${d.day}: ${d.uptime === null ? 'no data' : `${d.uptime.toFixed(2)}% uptime`}</title></rect>`).join('');
  return `<svg class="uptime" viewBox="0 0 ${row.days.length * (w + gap)} 24" preserveAspectRatio="none" role="img" aria-label="${esc(row.name)} uptime over 90 days">${rects}</svg>`;
}

export function renderPage(m: PageModel): string {
  const components = m.components.map((c) => `<li class="component"><span class="name">${esc(c.name)}</span>
  <span class="badge b-${c.status}" data-component="${esc(c.id)}">${HUMAN_STATUS[c.status]}</span>
  ${c.latencyMs !== null ? `<span class="muted">${c.latencyMs} ms</span>` : ''}${c.status !== 'operational' && c.reason ? `<span class="reason">${esc(c.reason)}</span>` : ''}</li>`).join('\n');

  const most = m.mostReported.length === 0 ? '<p class="muted">No reports in the last 24 hours.</p>'
    : `<ol class="most">${m.mostReported.map((r) => `<li><span>${PROBLEM_LABELS[r.problem]}</span> <meter min="0" max="100" value="${Math.round(r.share)}">${Math.round(r.share)}%</meter> <span class="muted">${Math.round(r.share)}% (${r.count})</span></li>`).join('')}</ol>`;

  const uptime = m.uptime.map((u) => `<div class="uptime-row"><div class="uptime-head"><span>${esc(u.name)}</span><span class="muted">${u.uptime === null ? 'no data' : `${u.uptime.toFixed(2)}% uptime`}</span></div>${uptimeSvg(u)}<div class="uptime-foot muted"><span>90 days ago</span><span>today</span></div></div>`).join('\n');

  const incidents = m.incidents.length === 0 ? '<p class="muted">No incidents reported.</p>'
    : m.incidents.map((i) => `<article class="incident impact-${i.impact}" id="incident-${esc(i.id)}"><h3>${esc(i.name)} <span class="badge i-${i.status}">${i.status}</span></h3>
<ol class="updates">${i.updates.map((u) => `<li><strong>${u.status}</strong> <time datetime="${u.createdAt.toISOString()}">${u.createdAt.toISOString().replace('T', ' ').slice(0, 19)} UTC</time><p>${esc(u.body).replace(/\n/g, '<br>')}</p></li>`).join('')}</ol></article>`).join('\n');

  const options = PROBLEM_TYPES.map((p, i) => `<label><input type="radio" name="problem" value="${p}"${i === 0 ? ' required' : ''}> ${PROBLEM_LABELS[p]}</label>`).join('\n');
  const flash = m.flash === 'counted' ? 'Thank you: your report was counted.' : m.flash === 'duplicate' ? 'Thank you: a report from your connection was already counted this hour.' : '';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(m.pageName)} status</title>
<link rel="stylesheet" href="/static/status.css">
<link rel="alternate" type="application/atom+xml" title="Incident history" href="/history.atom">
<script src="/static/status.js" defer></script>
</head><body>
<header><h1>${esc(m.pageName)} status</h1></header>
<main>
<section id="overall" class="overall o-${m.overall}" aria-live="polite"><h2 id="headline">${esc(headline(m.overall, m.pageName))}</h2><p id="description">${esc(m.description)}</p></section>

<section aria-labelledby="components-title"><h2 id="components-title">Components</h2><ul class="components">${components}</ul></section>

<section aria-labelledby="chart-heading"><h2 id="chart-heading">User reports, last 24 hours</h2>
<p class="muted">Bars: reports per 15 minutes. Line: the usual number for that time of day. Times in UTC.</p>
<div class="chart-wrap" id="chart-wrap">${chartSvg(m.chart)}</div></section>

<section aria-labelledby="report-title" id="report"><h2 id="report-title">Report a problem</h2>
<form id="report-form" method="post" action="/report">
<input type="hidden" name="form_token" value="${esc(m.formToken)}">
<fieldset><legend>What is not working?</legend><div class="problems">${options}</div></fieldset>
<label for="report-text">Details (optional, up to ${MAX_REPORT_TEXT} characters)</label>
<input id="report-text" name="text" type="text" maxlength="${MAX_REPORT_TEXT}" autocomplete="off">
<button type="submit">Report</button>
<p id="report-result" role="status">${esc(flash)}</p>
</form></section>

<section aria-labelledby="most-title"><h2 id="most-title">Most reported problems</h2>${most}</section>

<section aria-labelledby="uptime-title"><h2 id="uptime-title">Uptime, last 90 days</h2>${uptime}</section>

<section aria-labelledby="incidents-title"><h2 id="incidents-title">Incident history</h2>${incidents}</section>
</main>
<footer class="muted">Updated <time datetime="${m.now.toISOString()}">${m.now.toISOString().replace('T', ' ').slice(0, 19)} UTC</time> ·
<a href="/history.atom">Atom feed</a> · <a href="/api/v2/summary.json">JSON</a></footer>
</body></html>`;
}

export const STATUS_CSS = `
:root { --ok: #1a7f37; --minor: #b08800; --partial: #d4500b; --major: #c62828; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f6f8fa; }
header, main, footer { max-width: 980px; margin: 0 auto; padding: 0 16px; }
header h1 { font-size: 1.4rem; margin: 20px 0 12px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 0 0 16px; }
h2 { font-size: 1.1rem; margin: 4px 0 8px; }
.muted { color: var(--muted); font-size: .9rem; }
.overall { border-left: 8px solid var(--ok); }
.overall h2 { font-size: 1.4rem; }
.o-possible { border-left-color: var(--minor); }
.o-problems { border-left-color: var(--major); }
.components { list-style: none; padding: 0; margin: 0; }
.component { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; padding: 6px 0; border-bottom: 1px solid #eef1f4; }
.component .name { font-weight: 600; min-width: 7em; }
.reason { flex-basis: 100%; color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
.badge { font-size: .8rem; padding: 1px 8px; border-radius: 10px; color: #fff; background: var(--ok); }
.b-degraded_performance { background: var(--minor); } .b-partial_outage { background: var(--partial); } .b-major_outage { background: var(--major); }
.i-resolved { background: var(--muted); } .i-investigating, .i-identified { background: var(--major); } .i-monitoring { background: var(--minor); }
/* On a phone the chart keeps a readable size and scrolls; the script scrolls it to "now". */
.chart-wrap { overflow-x: auto; }
#chart { width: 100%; min-width: 640px; height: auto; display: block; }
#chart .bar { fill: #0969da; } #chart .baseline { fill: none; stroke: #cf222e; stroke-width: 2; stroke-dasharray: 6 3; }
#chart .axis { font-size: 11px; fill: var(--muted); }
form .problems { display: grid; grid-template-columns: repeat(auto-fill, minmax(10.5em, 1fr)); gap: 6px; }
form .problems label { white-space: nowrap; }
fieldset { border: 0; padding: 0; margin: 0 0 8px; } legend { font-weight: 600; margin-bottom: 6px; }
input[type=text] { width: 100%; padding: 8px; font: inherit; border: 1px solid var(--line); border-radius: 6px; margin: 4px 0 8px; }
button { font: inherit; padding: 8px 18px; border: 0; border-radius: 6px; background: #0969da; color: #fff; cursor: pointer; }
#report-result { min-height: 1.4em; font-weight: 600; }
.most { padding-left: 1.2em; } .most meter { width: 40%; }
.uptime-row { margin-bottom: 10px; } .uptime-head, .uptime-foot { display: flex; justify-content: space-between; }
.uptime { width: 100%; height: 24px; display: block; }
.u-operational { fill: var(--ok); } .u-degraded_performance { fill: var(--minor); } .u-partial_outage { fill: var(--partial); } .u-major_outage { fill: var(--major); } .u-nodata { fill: #d1d9e0; }
.incident h3 { font-size: 1rem; margin: 8px 0 4px; } .updates { list-style: none; padding-left: 0; } .updates p { margin: 2px 0 8px; overflow-wrap: anywhere; }
footer { padding-bottom: 24px; }
`;

export const STATUS_JS = `
'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var W = ${W}, H = ${H}, PAD_LEFT = ${PAD_LEFT}, PAD_BOTTOM = ${PAD_BOTTOM}, PAD_TOP = ${PAD_TOP};
  function hhmm(t) { return new Date(t).toISOString().slice(11, 16); }

  function draw(slots) {
    var svg = document.getElementById('chart');
    if (!svg) return;
    var max = 5;
    slots.forEach(function (s) { max = Math.max(max, s.reports, s.baseline); });
    var plotH = H - PAD_BOTTOM - PAD_TOP, bw = (W - PAD_LEFT) / slots.length;
    function y(v) { return PAD_TOP + plotH - (v / max) * plotH; }
    var bars = document.getElementById('chart-bars');
    while (bars.firstChild) bars.removeChild(bars.firstChild);
    var points = [];
    slots.forEach(function (s, i) {
      var r = document.createElementNS(SVG, 'rect');
      r.setAttribute('class', 'bar');
      r.setAttribute('data-start', String(s.start));
      r.setAttribute('data-count', String(s.reports));
      r.setAttribute('x', (PAD_LEFT + i * bw + 1).toFixed(1));
      r.setAttribute('y', y(s.reports).toFixed(1));
      r.setAttribute('width', Math.max(1, bw - 2).toFixed(1));
      r.setAttribute('height', (PAD_TOP + plotH - y(s.reports)).toFixed(1));
      var title = document.createElementNS(SVG, 'title');
      title.textContent = hhmm(s.start) + ' UTC: ' + s.reports + ' reports (baseline ' + s.baseline + ')';
      r.appendChild(title);
      bars.appendChild(r);
      points.push((PAD_LEFT + i * bw + bw / 2).toFixed(1) + ',' + y(s.baseline).toFixed(1));
    });
    document.getElementById('chart-baseline').setAttribute('points', points.join(' '));
    svg.setAttribute('data-max', String(max));
  }

  function refresh() {
    return fetch('/api/v1/reports/chart', { headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        draw(data.slots);
        var h = document.getElementById('headline');
        if (h) h.textContent = data.headline;
        var o = document.getElementById('overall');
        if (o) o.className = 'overall o-' + data.overall;
      })
      .catch(function () { /* the next poll tries again */ });
  }

  var form = document.getElementById('report-form');
  if (form) form.addEventListener('submit', function (event) {
    event.preventDefault();
    var result = document.getElementById('report-result');
    var checked = form.querySelector('input[name=problem]:checked');
    if (!checked) { result.textContent = 'Choose what is not working.'; return; }
    var text = form.querySelector('#report-text').value.trim();
    var body = { problem: checked.value };
    if (text) body.text = text;
    result.textContent = 'Sending…';
    fetch('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        if (!res.ok) { result.textContent = res.body.error || 'Could not send the report.'; return; }
        result.textContent = res.body.counted ? 'Thank you: your report was counted.' : 'Thank you: a report from your connection was already counted this hour.';
        form.reset();
        return refresh();
      })
      .catch(function () { result.textContent = 'Could not send the report; please try again.'; });
  });

  var wrap = document.getElementById('chart-wrap');
  if (wrap) wrap.scrollLeft = wrap.scrollWidth;
  setInterval(refresh, 30000);
})();
`;
