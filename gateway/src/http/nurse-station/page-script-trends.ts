/**
 * Part of the page's script: trends from the gateway's own buffer (GET /api/trend, min/max
 * buckets). Each metric row of a bed card has a sparkline of the last hour, refetched each
 * minute; Enter or a click on a card opens the bed view with 24 h per metric and the alarm
 * marks. Charts are inline SVG built with createElementNS (allowed by the page's CSP).
 * A bucket is drawn as its min and its max point, so a short spike stays visible.
 */
export const TRENDS_SCRIPT = `
  const SVG = 'http://www.w3.org/2000/svg';
  const sparks = new Map(); // bedId -> { atMs, trend }
  const SPARK_EVERY_MS = 60000;
  function svgEl(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function scale(buckets, fromMs, toMs, w, h, pad) {
    let lo = Infinity; let hi = -Infinity;
    for (const b of buckets) { if (b.min < lo) lo = b.min; if (b.max > hi) hi = b.max; }
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const x = (t) => (pad + (t - fromMs) / (toMs - fromMs) * (w - 2 * pad)).toFixed(1);
    const y = (v) => (pad + (hi - v) / (hi - lo) * (h - 2 * pad)).toFixed(1);
    return { lo, hi, x, y };
  }
  function line(buckets, s, bucketMs) {
    const pts = [];
    for (const b of buckets) { const x = s.x(b.t + bucketMs / 2); pts.push(x + ',' + s.y(b.min), x + ',' + s.y(b.max)); }
    return svgEl('polyline', { class: 'trend-line', points: pts.join(' '), fill: 'none' });
  }
  function sparkFor(bedId, metric) {
    const box = el('span', 'spark');
    const t = sparks.get(bedId);
    const buckets = t && t.trend.series[metric];
    if (!buckets || buckets.length === 0) return box;
    const svg = svgEl('svg', { viewBox: '0 0 64 18', width: 64, height: 18, role: 'img' });
    const s = scale(buckets, t.trend.fromMs, t.trend.toMs, 64, 18, 1);
    svg.setAttribute('aria-label', ((metrics[metric] && metrics[metric].label) || metric) + ' last hour, ' + fmt(metric, s.lo) + ' to ' + fmt(metric, s.hi));
    svg.append(line(buckets, s, t.trend.bucketMs));
    box.dataset.buckets = buckets.length;
    box.append(svg);
    return box;
  }
  async function getTrend(bedId, hours) {
    const res = await fetch('/api/trend?bed=' + encodeURIComponent(bedId) + '&hours=' + hours).catch(() => null);
    if (res && res.status === 401) { checkSession(); return null; }
    return res && res.ok ? res.json() : null;
  }
  let sparkBusy = false;
  async function refreshSparks() {
    if (!me || sparkBusy) return;
    sparkBusy = true;
    try {
      for (const bedId of beds.keys()) {
        const known = sparks.get(bedId);
        // A bed with nothing stored yet is asked again sooner (its monitor just started).
        const every = known && Object.keys(known.trend.series).length === 0 ? SPARK_EVERY_MS / 6 : SPARK_EVERY_MS;
        if (known && Date.now() - known.atMs < every) continue;
        const trend = await getTrend(bedId, 1);
        if (trend) sparks.set(bedId, { atMs: Date.now(), trend });
      }
    } finally { sparkBusy = false; }
  }

  // ---- the bed view: 24 h per metric, with the alarm marks
  let bedOpener = null;
  function chart(metric, trend) {
    const W = 760; const H = 110; const P = 6;
    const buckets = trend.series[metric];
    const info = metrics[metric] || { label: metric, unit: '' };
    const fig = el('figure', 'chart'); fig.dataset.metric = metric;
    const s = scale(buckets, trend.fromMs, trend.toMs, W, H, P);
    fig.append(el('figcaption', '', (info.label || metric) + ' ' + (info.unit || '') + ' · ' + fmt(metric, s.lo) + ' to ' + fmt(metric, s.hi)));
    const svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': (info.label || metric) + ', last 24 hours' });
    for (const frac of [0, 0.25, 0.5, 0.75, 1]) { const gx = s.x(trend.fromMs + frac * (trend.toMs - trend.fromMs)); svg.append(svgEl('line', { class: 'grid', x1: gx, x2: gx, y1: 0, y2: H })); }
    svg.append(line(buckets, s, trend.bucketMs));
    for (const m of trend.marks) {
      if (m.phase !== 'raised' || (m.metric !== null && m.metric !== metric)) continue;
      const mx = s.x(m.timeMs);
      const mark = svgEl('line', { class: 'mark ' + m.priority, x1: mx, x2: mx, y1: 0, y2: H });
      const tip = svgEl('title', {}); tip.textContent = CUE[m.priority] + ' ' + new Date(m.timeMs).toLocaleTimeString() + ' ' + m.message; mark.append(tip);
      svg.append(mark);
    }
    fig.append(svg);
    fig.dataset.buckets = buckets.length;
    return fig;
  }
  async function openBed(bedId) {
    bedOpener = bedId;
    const bed = beds.get(bedId);
    $('bed-title').textContent = bedId + ' · ' + ((bed && bed.patientId) || 'no patient') + ' · last 24 h';
    $('bed-charts').replaceChildren(el('p', 'nodata', 'loading…'));
    if (!$('bed-dialog').open) $('bed-dialog').showModal();
    $('bed-close').focus();
    const trend = await getTrend(bedId, 24);
    if (bedOpener !== bedId) return;
    const order = Object.keys(metrics);
    const names = trend ? Object.keys(trend.series).sort((a, b) => order.indexOf(a) - order.indexOf(b)) : [];
    $('bed-charts').replaceChildren(...(names.length ? names.map((m) => chart(m, trend)) : [el('p', 'nodata', trend ? 'no readings in the last 24 h' : 'the trend could not be read; try again')]));
    $('bed-charts').dataset.loaded = bedId;
  }
  $('bed-close').addEventListener('click', () => $('bed-dialog').close());
  $('bed-dialog').addEventListener('close', () => {
    const card = bedOpener && document.querySelector('.bed[data-bed-id="' + CSS.escape(bedOpener) + '"]');
    bedOpener = null;
    delete $('bed-charts').dataset.loaded;
    if (card) card.focus();
  });
`;
