'use strict';
// ExtreMA Stream dashboard: one JSON snapshot at load, then Server-Sent Events append new records; charts redraw at
// most twice a second. Everything is served by `extrema dashboard`; nothing is fetched from elsewhere.
(function () {
  const MAX = 5000;
  const state = { metrics: [], monitor: [], alerts: [], models: [], embedded: [], map: { points: [], version: -1 } };
  const charts = {};
  const palette = ['#5aa9e6', '#e0a84f', '#3fb68b', '#c678dd', '#e5534b', '#56c2c6', '#d19a66', '#8a94a6', '#f06292', '#9ccc65'];
  window.extremaCharts = charts;
  window.extremaFirstChartMs = null;

  const $ = (id) => document.getElementById(id);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const fmt = (v, digits = 3) => {
    if (v === null || v === undefined || Number.isNaN(v)) return '–';
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
    if (a >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 0 });
    return Number(v.toPrecision(digits)).toString();
  };
  const ago = (t) => {
    const s = Math.max(0, (Date.now() - t) / 1000);
    if (s < 90) return Math.round(s) + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  };
  const clock = (t) => new Date(t).toLocaleTimeString([], { hour12: false });

  function base() {
    const text = css('--muted'), line = css('--line');
    return {
      backgroundColor: 'transparent', color: palette, animation: false,
      textStyle: { color: text, fontFamily: 'inherit' },
      grid: { left: 52, right: 56, top: 40, bottom: 28 },
      tooltip: { trigger: 'axis', confine: true },
      legend: { top: 0, left: 'center', textStyle: { color: text, fontSize: 11 }, itemWidth: 14, itemHeight: 8, type: 'scroll' },
      xAxis: { axisLine: { lineStyle: { color: line } }, splitLine: { show: false }, axisLabel: { color: text } },
      yAxis: { axisLine: { show: false }, splitLine: { lineStyle: { color: line } }, axisLabel: { color: text } },
    };
  }

  function init() {
    const theme = document.documentElement.classList.contains('light') ? null : 'dark';
    for (const [key, id] of Object.entries({ loss: 'c-loss', rate: 'c-rate', probe: 'c-probe', drift: 'c-drift',
      spread: 'c-spread', models: 'c-models', map: 'c-map' })) {
      if (charts[key]) charts[key].dispose();
      charts[key] = echarts.init($(id), theme, { renderer: 'canvas' });
    }
  }

  function empty(chart, message) {
    chart.setOption({ ...base(), series: [], xAxis: { show: false }, yAxis: { show: false },
      graphic: [{ type: 'text', left: 'center', top: 'middle', style: { text: message, fill: css('--muted'), fontSize: 13 } }] }, true);
  }

  function latestModel() {
    const last = state.metrics[state.metrics.length - 1];
    return last ? last.model : null;
  }

  function renderLoss() {
    const model = latestModel();
    const rows = state.metrics.filter((m) => m.model === model);
    if (!rows.length) return empty(charts.loss, 'Waiting for trainer metrics…');
    const b = base();
    charts.loss.setOption({ ...b,
      xAxis: { ...b.xAxis, type: 'value', name: 'step', nameTextStyle: { color: css('--muted') }, min: 'dataMin', max: 'dataMax' },
      yAxis: [{ ...b.yAxis, type: 'value', name: 'loss', scale: true },
        { ...b.yAxis, type: 'value', name: 'lr', splitLine: { show: false }, axisLabel: { color: css('--muted'), formatter: (v) => fmt(v, 2) } }],
      tooltip: { ...b.tooltip, valueFormatter: (v) => fmt(v, 4) },
      series: [
        { name: 'loss', type: 'line', showSymbol: false, data: rows.map((m) => [m.step, m.loss]), lineStyle: { width: 1.6 }, connectNulls: false },
        { name: 'learning rate', type: 'line', yAxisIndex: 1, showSymbol: false, data: rows.map((m) => [m.step, m.lr]),
          lineStyle: { width: 1.2, type: 'dashed' } },
      ] }, true);
    firstChart();
  }

  function renderRate() {
    const model = latestModel();
    const rows = state.metrics.filter((m) => m.model === model);
    if (!rows.length && !state.embedded.length) return empty(charts.rate, 'No throughput yet');
    const b = base();
    charts.rate.setOption({ ...b,
      xAxis: { ...b.xAxis, type: 'time' }, yAxis: { ...b.yAxis, type: 'value' },
      tooltip: { ...b.tooltip, valueFormatter: (v) => fmt(v) },
      series: [
        { name: 'consumed', type: 'line', showSymbol: false, data: rows.map((m) => [m.time, m.consumed]) },
        { name: 'trained', type: 'line', showSymbol: false, data: rows.map((m) => [m.time, m.trained]) },
        { name: 'embedded', type: 'line', showSymbol: false, step: 'end', data: state.embedded },
      ] }, true);
  }

  function renderProbe() {
    const rows = state.metrics.filter((m) => m.probe !== null && m.probe !== undefined);
    if (!rows.length) return empty(charts.probe, 'No probe set configured in the trainer');
    const b = base();
    const byModel = groupBy(rows, (m) => m.model);
    charts.probe.setOption({ ...b,
      xAxis: { ...b.xAxis, type: 'value', name: 'step', min: 'dataMin', max: 'dataMax' },
      yAxis: { ...b.yAxis, type: 'value', min: 0, max: 1, axisLabel: { color: css('--muted'), formatter: (v) => Math.round(v * 100) + '%' } },
      tooltip: { ...b.tooltip, valueFormatter: (v) => (v * 100).toFixed(1) + ' %' },
      series: Object.entries(byModel).map(([model, ms]) => ({ name: model, type: 'line', symbolSize: 5,
        data: ms.map((m) => [m.step, m.probe]) })) }, true);
  }

  function perSource(field, fallback) {
    const bySource = groupBy(state.monitor, (w) => w.source);
    return Object.entries(bySource).map(([source, ws]) => ({ name: source, type: 'line', showSymbol: ws.length < 40, symbolSize: 4,
      data: ws.map((w) => [w.end, w[field] ?? (fallback ? w[fallback] : null) ?? null]) }));
  }

  function renderDrift() {
    if (!state.monitor.length) return empty(charts.drift, 'Waiting for monitor windows…');
    const b = base();
    charts.drift.setOption({ ...b, xAxis: { ...b.xAxis, type: 'time' }, yAxis: { ...b.yAxis, type: 'value', min: 0 },
      tooltip: { ...b.tooltip, valueFormatter: (v) => fmt(v, 3) },
      series: perSource('driftBaseline', 'driftPrevious') }, true);
  }

  function renderSpread() {
    if (!state.monitor.length) return empty(charts.spread, 'Waiting for monitor windows…');
    const b = base();
    const series = perSource('spreadRatio');
    if (series.length) {
      series[0].markLine = { silent: true, symbol: 'none', lineStyle: { color: css('--ok'), type: 'dotted' },
        label: { color: css('--muted'), formatter: 'isotropic' }, data: [{ yAxis: 1 }] };
    }
    charts.spread.setOption({ ...b, xAxis: { ...b.xAxis, type: 'time' }, yAxis: { ...b.yAxis, type: 'value', min: 0 },
      tooltip: { ...b.tooltip, valueFormatter: (v) => fmt(v, 3) }, series }, true);
  }

  function renderModels() {
    if (!state.models.length) return empty(charts.models, 'No model version published yet');
    const b = base();
    const byModel = groupBy(state.models, (m) => m.model);
    charts.models.setOption({ ...b,
      xAxis: { ...b.xAxis, type: 'time', axisLabel: { color: css('--muted'), hideOverlap: true } },
      yAxis: { ...b.yAxis, type: 'value', name: 'version', minInterval: 1 },
      tooltip: { trigger: 'item', confine: true, formatter: (p) => {
        const m = p.data.m;
        const extra = Object.entries(m.metrics || {}).map(([k, v]) => `<br>${k}: ${fmt(v, 4)}`).join('');
        return `<b>${m.model} v${m.version}</b><br>step ${m.step.toLocaleString()}<br>${new Date(m.time).toLocaleString()}${extra}`;
      } },
      series: Object.entries(byModel).map(([model, ms]) => ({ name: model, type: 'line', step: 'end', symbolSize: 9,
        data: ms.map((m) => ({ value: [m.time, m.version], m })),
        label: { show: ms.length <= 12, position: 'top', color: css('--muted'), formatter: (p) => 'v' + p.data.m.version } })) }, true);
  }

  function renderMap() {
    const pts = state.map.points || [];
    if (!pts.length) return empty(charts.map, 'Waiting for embeddings…');
    const labelled = pts.some((p) => p.label);
    const groups = groupBy(pts, (p) => (labelled ? p.label || 'unlabelled' : p.source || 'unknown'));
    $('map-note').textContent = `PCA of ${pts.length} recent embeddings · model version ${state.map.version} · colour = ${labelled ? 'label' : 'source'}`;
    const b = base();
    charts.map.setOption({ ...b, grid: { left: 20, right: 20, top: 46, bottom: 20 },
      legend: { ...b.legend, left: 0, right: 0 },
      xAxis: { ...b.xAxis, type: 'value', axisLabel: { show: false }, axisTick: { show: false }, axisLine: { show: false }, splitLine: { show: false }, scale: true },
      yAxis: { ...b.yAxis, type: 'value', axisLabel: { show: false }, axisTick: { show: false }, axisLine: { show: false }, splitLine: { show: false }, scale: true },
      tooltip: { trigger: 'item', confine: true, enterable: false, formatter: (p) => {
        const d = p.data.p;
        const id = encodeURIComponent(d.id);
        return `<div class="thumb"><img src="/thumb/${id}" alt="" onerror="this.style.display='none'">` +
          `<div><b>${escapeHtml(d.label || '')}</b><br>${escapeHtml(d.source || '')}<br><small>${escapeHtml(d.id)}</small></div></div>`;
      } },
      series: Object.entries(groups).sort().map(([name, ps]) => ({ name, type: 'scatter', symbolSize: 6, large: false,
        itemStyle: { opacity: 0.8 }, data: ps.map((p) => ({ value: [p.x, p.y], p })) })) }, true);
  }

  function renderAlerts() {
    const list = $('alerts');
    const recent = state.alerts.slice(-100).reverse();
    $('t-alerts').textContent = state.alerts.length.toLocaleString();
    document.querySelector('.alerts-tile').classList.toggle('hot', recent.some((a) => a.severity === 'CRITICAL' && Date.now() - a.time < 3600e3));
    $('t-alerts-last').textContent = recent.length ? `${recent[0].rule} · ${ago(recent[0].time)}` : 'none';
    if (!recent.length) { list.innerHTML = '<p class="empty">No alerts. All quiet.</p>'; return; }
    list.innerHTML = recent.map((a) => `<div class="alert ${a.severity}"><div class="head"><span><span class="rule">${escapeHtml(a.rule)}</span>` +
      `<span class="sev">${a.severity}</span> · ${escapeHtml(a.subject)}</span><span class="time">${clock(a.time)}</span></div>` +
      `<div class="msg">value ${a.value === null ? a.valueText : fmt(a.value, 4)} · threshold ${fmt(a.threshold, 4)} — ${escapeHtml(a.message)}</div></div>`).join('');
  }

  function renderTiles() {
    const m = state.metrics[state.metrics.length - 1];
    if (m) {
      $('t-step').textContent = m.step.toLocaleString();
      $('t-model').textContent = m.model;
      $('t-loss').textContent = m.loss === null ? 'NaN' : fmt(m.loss, 4);
      $('t-lr').textContent = 'lr ' + fmt(m.lr, 3);
      $('t-trained').textContent = fmt(m.trained, 3);
      $('t-consumed').textContent = 'consumed ' + fmt(m.consumed, 3) + ' · lag ' + m.lag.toLocaleString();
      const probe = [...state.metrics].reverse().find((x) => x.probe !== null && x.probe !== undefined);
      $('t-probe').textContent = probe ? (probe.probe * 100).toFixed(1) + ' %' : '–';
    }
    const v = state.models[state.models.length - 1];
    if (v) {
      $('t-version').textContent = 'v' + v.version;
      $('t-version-age').textContent = `${v.model} · ${ago(v.time)}`;
    } else if (m) {
      $('t-version').textContent = 'v' + m.version;
    }
    const e = state.embedded[state.embedded.length - 1];
    $('t-embedded').textContent = e ? fmt(e[1], 3) : '–';
    $('t-sources').textContent = new Set(state.monitor.map((w) => w.source)).size + ' sources monitored';
  }

  function firstChart() {
    if (window.extremaFirstChartMs === null) window.extremaFirstChartMs = performance.now();
  }

  function groupBy(rows, key) {
    const out = {};
    for (const r of rows) (out[key(r)] = out[key(r)] || []).push(r);
    return out;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  // Only the charts whose data changed are redrawn, so a tooltip on the map survives new metrics.
  const renderers = { loss: renderLoss, rate: renderRate, probe: renderProbe, drift: renderDrift, spread: renderSpread,
    models: renderModels, map: renderMap, alerts: renderAlerts };
  const dirty = new Set();
  let pending = false;
  function render(...which) {
    (which.length ? which : Object.keys(renderers)).forEach((w) => dirty.add(w));
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      const now = [...dirty];
      dirty.clear();
      now.forEach((w) => renderers[w]());
      renderTiles();
    }, 300);
  }

  function push(list, item) {
    list.push(item);
    if (list.length > MAX) list.splice(0, list.length - MAX);
  }

  function connect() {
    const events = new EventSource('/events');
    events.onopen = () => { $('conn').className = 'dot on'; $('conn-text').textContent = 'live'; };
    events.onerror = () => { $('conn').className = 'dot off'; $('conn-text').textContent = 'reconnecting…'; };
    events.addEventListener('metrics', (e) => { push(state.metrics, JSON.parse(e.data)); render('loss', 'rate', 'probe'); });
    events.addEventListener('monitor', (e) => { push(state.monitor, JSON.parse(e.data)); render('drift', 'spread'); });
    events.addEventListener('alert', (e) => { push(state.alerts, JSON.parse(e.data)); render('alerts'); });
    events.addEventListener('model', (e) => { push(state.models, JSON.parse(e.data)); render('models'); });
    events.addEventListener('map', (e) => { state.map = JSON.parse(e.data); render('map'); });
    events.addEventListener('embedded', (e) => { state.embedded = JSON.parse(e.data); render('rate'); });
  }

  $('theme').addEventListener('click', () => {
    document.documentElement.classList.toggle('light');
    localStorage.setItem('extrema-theme', document.documentElement.classList.contains('light') ? 'light' : 'dark');
    init(); render();
  });
  if (localStorage.getItem('extrema-theme') === 'light') document.documentElement.classList.add('light');
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));

  init();
  fetch('/api/snapshot').then((r) => r.json()).then((s) => {
    Object.assign(state, { metrics: s.metrics, monitor: s.monitor, alerts: s.alerts, models: s.models, embedded: s.embedded, map: s.map });
    render();
    connect();
  });
})();
