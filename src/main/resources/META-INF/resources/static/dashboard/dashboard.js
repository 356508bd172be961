// Charts of the admin dashboard. The pages are server-rendered; this draws their data (embedded
// as JSON) with ECharts. Both are served by Proctor itself, as they are (no bundler): 'echarts' is
// resolved by the page's import map to ECharts' ES module, copied out of its jar into Proctor's at
// build time; nothing is loaded from the internet.
import * as echarts from 'echarts';

const REFRESH_MS = 30000;
const charts = {};

function chart(el) {
  if (!charts[el.id]) {
    charts[el.id] = echarts.init(el, null, { renderer: 'canvas' });
  }
  return charts[el.id];
}

function mib(bytes) {
  return bytes / 1048576;
}

/** Pivots points into one series per group over the shared bucket axis. */
function series(usage, value) {
  const times = [...new Set(usage.points.map((p) => p.bucket_start))].sort();
  const index = new Map(times.map((t, i) => [t, i]));
  return {
    times,
    series: usage.groups.map((g) => {
      const data = new Array(times.length).fill(0);
      usage.points.filter((p) => p.group === g).forEach((p) => { data[index.get(p.bucket_start)] = value(p); });
      return { name: g, type: 'bar', stack: 'total', data, emphasis: { focus: 'series' } };
    }),
  };
}

function drawUsage(el, usage, value, unit) {
  const s = series(usage, value);
  chart(el).setOption({
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${Number(v).toFixed(2)} ${unit}` },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 40 },
    // the whole window, whatever the data: the axis never jumps between refreshes
    xAxis: { type: 'time', min: usage.from, max: usage.to },
    yAxis: { type: 'value', name: unit },
    series: s.series.map((x) => ({ ...x, barMaxWidth: 24, data: x.data.map((v, i) => [s.times[i], v]) })),
  }, { notMerge: true });
  el.dataset.series = usage.groups.join(',');
  el.dataset.points = String(usage.points.length);
  el.dataset.total = String(s.series.reduce((a, x) => a + x.data.reduce((b, v) => b + v, 0), 0));
}

function drawVerdicts(el, verdicts) {
  const data = Object.entries(verdicts).map(([name, value]) => ({ name, value }));
  chart(el).setOption({
    animation: false,
    tooltip: { trigger: 'item' },
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle' },
    series: [{ type: 'pie', radius: ['35%', '70%'], center: ['35%', '50%'], data, label: { show: false } }],
  }, { notMerge: true });
  el.dataset.series = data.map((d) => d.name).join(',');
  el.dataset.points = String(data.length);
}

function setText(field, text) {
  const el = document.querySelector(`[data-field="${field}"]`);
  if (el) el.textContent = text;
}

function pair(p) {
  return p.p50 == null ? '–' : `${p.p50} / ${p.p95} ms`;
}

function drawOverview(o) {
  drawUsage(document.getElementById('chart-cpu'), o.usage, (p) => p.cpu_seconds, 'CPU s');
  drawUsage(document.getElementById('chart-memory'), o.usage, (p) => mib(p.memory_peak_bytes), 'MiB');
  drawVerdicts(document.getElementById('chart-verdicts'), o.verdicts);
  setText('queue_depth', String(o.queue_depth));
  setText('running', String(o.running));
  setText('jobs_per_minute', o.jobs_per_minute.toFixed(2));
  setText('queue_wait', pair(o.queue_wait_ms));
  setText('run_time', pair(o.run_time_ms));
  const updated = document.getElementById('updated');
  if (updated) updated.textContent = `Updated ${o.generated_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC')}`;
}

function overviewPage() {
  const data = document.getElementById('overview-data');
  if (!data) return;
  drawOverview(JSON.parse(data.textContent));
  const form = document.getElementById('range-form');
  const custom = () => {
    const isCustom = document.getElementById('range').value === 'custom';
    ['from', 'to'].forEach((id) => { document.getElementById(id).disabled = !isCustom; });
  };
  document.getElementById('range').addEventListener('change', custom);
  custom();
  const auto = document.getElementById('auto-refresh');
  setInterval(async () => {
    if (!auto.checked || document.hidden) return;
    const params = new URLSearchParams(new FormData(form));
    const r = await fetch(`/admin/data/overview?${params}`, { headers: { Accept: 'application/json' } });
    if (r.status === 401) { window.location = '/admin'; return; }
    if (r.ok) drawOverview(await r.json());
  }, REFRESH_MS);
}

function timelinePage() {
  const data = document.getElementById('timeline-data');
  if (!data) return;
  const runs = JSON.parse(data.textContent);
  document.querySelectorAll('[data-timeline]').forEach((el) => {
    const run = runs[el.dataset.timeline];
    const t = run.timeline;
    chart(el).setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 70, right: 70, top: 40, bottom: 40 },
      xAxis: { type: 'value', name: 'ms', nameLocation: 'middle', nameGap: 25 },
      yAxis: [{ type: 'value', name: 'memory MiB' }, { type: 'value', name: 'CPU ms' }],
      series: [
        { name: 'memory (MiB)', type: 'line', showSymbol: false, yAxisIndex: 0,
          data: t.offset_ms.map((x, i) => [x, mib(t.memory_bytes[i])]) },
        { name: 'CPU used (ms)', type: 'line', showSymbol: false, yAxisIndex: 1,
          data: t.offset_ms.map((x, i) => [x, t.cpu_ms[i]]) },
      ],
    });
    el.dataset.points = String(t.offset_ms.length);
  });
}

window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
overviewPage();
timelinePage();
