/**
 * The page's script, inline. Plain browser JavaScript, no framework, no module loader.
 * Everything from the server is put in the page with textContent (a patient id or an
 * alarm message never becomes markup). The server's clock is the reference for ages and
 * staleness (`nowMs` in each message gives the offset), so a wrong clock on the ward PC
 * does not make fresh values look stale.
 */
export const PAGE_SCRIPT = `
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const RANK = { high: 0, medium: 1, low: 2 };
  // QualityFlag bits, the most telling first (a sensor-off value is also flagged invalid).
  const FLAG_LABELS = [[2, 'sensor off'], [4, 'demo'], [1, 'invalid']];
  let offsetMs = 0;
  let metrics = {};
  let alarms = [];
  const beds = new Map();

  const now = () => Date.now() + offsetMs;
  const sync = (nowMs) => { if (typeof nowMs === 'number') offsetMs = nowMs - Date.now(); };
  function age(ms) {
    const s = Math.max(0, Math.floor((now() - ms) / 1000));
    return s < 60 ? s + ' s' : s < 3600 ? Math.floor(s / 60) + ' min' : Math.floor(s / 3600) + ' h';
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmt(metric, value) {
    const r = (metrics[metric] && metrics[metric].resolution) || 1;
    return value.toFixed(r >= 1 ? 0 : Math.round(-Math.log10(r)));
  }

  function renderAlarms() {
    const body = $('alarms').tBodies[0];
    body.replaceChildren();
    const list = alarms.filter((a) => a.audience !== 'it').sort((a, b) => RANK[a.priority] - RANK[b.priority] || a.raisedAtMs - b.raisedAtMs);
    for (const a of list) {
      const tr = el('tr', 'alarm ' + a.priority + (a.acknowledged ? ' acked' : ' unacked'));
      tr.dataset.alarmId = a.alarmId;
      const prio = el('td'); prio.append(el('span', 'prio ' + a.priority, a.priority)); tr.append(prio);
      tr.append(el('td', '', a.bedId + (a.patientId ? ' · ' + a.patientId : '')));
      tr.append(el('td', 'msg', a.message));
      tr.append(el('td', 'num', a.lastValue === null ? '' : a.metric ? fmt(a.metric, a.lastValue) : a.lastValue));
      const since = el('td', 'num age', age(a.raisedAtMs)); since.dataset.since = a.raisedAtMs; tr.append(since);
      const state = a.acknowledged ? 'acknowledged by ' + a.acknowledgedBy : a.conditionPresent ? (a.escalated ? 'escalated' : 'active') : 'latched';
      tr.append(el('td', 'state', state));
      const act = el('td');
      if (!a.acknowledged) {
        const b = el('button', 'ack', 'Acknowledge');
        b.type = 'button';
        b.addEventListener('click', () => openAck(a));
        act.append(b);
      }
      tr.append(act);
      body.append(tr);
    }
    $('no-alarms').hidden = list.length > 0;
    $('alarm-count').textContent = list.length ? '(' + list.length + ')' : '';
    document.title = (list.length ? '(' + list.length + ') ' : '') + 'Nurse station';
  }

  function renderBeds() {
    const box = $('beds');
    box.replaceChildren();
    const highest = new Map();
    for (const a of alarms) {
      const h = highest.get(a.bedId);
      if (!h || RANK[a.priority] < RANK[h]) highest.set(a.bedId, a.priority);
    }
    const ids = [...new Set([...beds.keys(), ...highest.keys()])].filter((b) => b !== '-').sort();
    for (const id of ids) {
      const bed = beds.get(id) || { bedId: id, patientId: null, metrics: {} };
      const card = el('div', 'bed ' + (highest.get(id) || ''));
      card.dataset.bedId = id;
      const h = el('h3', '', id); h.append(el('small', '', bed.patientId || 'no patient')); card.append(h);
      const grid = el('div', 'vitals');
      const names = Object.keys(bed.metrics).sort((a, b) => Object.keys(metrics).indexOf(a) - Object.keys(metrics).indexOf(b));
      for (const m of names) {
        const s = bed.metrics[m];
        const info = metrics[m] || { label: m, unit: '', staleAfterMs: 10000 };
        const stale = now() - s.atMs > info.staleAfterMs;
        const flag = (FLAG_LABELS.find(([bit]) => s.flags & bit) || [])[1];
        const label = el('span', stale ? 'stale' : '', info.label || m);
        label.title = info.name || m;
        grid.append(label);
        const v = el('span', 'v ' + (flag ? 'flagged' : stale ? 'stale' : ''), flag || fmt(m, s.value) + ' ' + info.unit);
        grid.append(v);
        const ageEl = el('span', 'age' + (stale ? ' stale' : ''), (stale ? 'stale ' : '') + age(s.atMs));
        ageEl.dataset.metric = m;
        grid.append(ageEl);
      }
      if (names.length === 0) card.append(el('div', 'nodata', 'no readings yet'));
      else card.append(grid);
      box.append(card);
    }
  }

  let acking = null;
  function openAck(a) {
    acking = a;
    $('ack-what').textContent = a.priority.toUpperCase() + ' · ' + a.bedId + ' · ' + a.message;
    $('ack-error').textContent = '';
    $('nurse-id').value = sessionStorage.getItem('nurseId') || '';
    $('ack-dialog').showModal();
    $('nurse-id').focus();
  }
  $('ack-cancel').addEventListener('click', () => $('ack-dialog').close());
  $('ack-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const by = $('nurse-id').value.trim();
    if (!acking) return;
    if (!by) { $('ack-error').textContent = 'Enter your nurse id.'; return; }
    $('ack-confirm').disabled = true;
    try {
      const res = await fetch('/api/alarms/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ alarmId: acking.alarmId, by }) });
      const body = await res.json().catch(() => ({}));
      if (res.ok || (body.error && body.error.code === 'WL_ALARM_ALREADY_ACKNOWLEDGED')) {
        sessionStorage.setItem('nurseId', by);
        $('ack-dialog').close();
      } else {
        $('ack-error').textContent = (body.error && body.error.message) || 'Not acknowledged (HTTP ' + res.status + ').';
      }
    } catch (err) {
      $('ack-error').textContent = 'The gateway did not answer; try again.';
    } finally {
      $('ack-confirm').disabled = false;
    }
  });

  function setLink(up) {
    const l = $('link');
    l.className = 'link ' + (up ? 'up' : 'down');
    l.textContent = up ? 'live' : 'reconnecting…';
  }
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => setLink(true));
  source.addEventListener('error', () => setLink(false));
  source.addEventListener('hello', (e) => { const d = JSON.parse(e.data); sync(d.nowMs); metrics = d.metrics; $('ward').textContent = d.gatewayId; });
  source.addEventListener('alarms', (e) => { const d = JSON.parse(e.data); sync(d.nowMs); alarms = d.alarms; renderAlarms(); renderBeds(); });
  source.addEventListener('vitals', (e) => {
    const d = JSON.parse(e.data);
    sync(d.nowMs);
    if (d.full) beds.clear();
    for (const b of d.beds) beds.set(b.bedId, b);
    renderBeds();
  });
  setInterval(() => {
    $('clock').textContent = new Date(now()).toLocaleTimeString();
    for (const td of document.querySelectorAll('td[data-since]')) td.textContent = age(Number(td.dataset.since));
    renderBeds();
  }, 1000);
})();
`;
