/**
 * Part of the page's script (page-script.ts puts the parts in one closure): state, helpers
 * and the two views, the alarm list and the bed cards. Every alarm shows its priority three
 * ways, for colour-blind staff too: colour, a cue ("!!!", "!!", "!") and a word.
 * The views are rebuilt each second; the element that had the keyboard focus gets it back.
 */
export const RENDER_SCRIPT = `
  const $ = (id) => document.getElementById(id);
  const RANK = { high: 0, medium: 1, low: 2 };
  const CUE = { high: '!!! HIGH', medium: '!! MED', low: '! LOW' };
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
  // The views are rebuilt every second, which would restart a CSS flash each time (a
  // 1.6 s medium flash would never reach its dim half): each badge starts at the phase
  // of one page-wide clock instead.
  const FLASH_PERIOD_MS = { high: 500, medium: 1600 };
  function badge(priority) {
    const b = el('span', 'prio ' + priority, CUE[priority]);
    b.title = priority + ' priority';
    const period = FLASH_PERIOD_MS[priority];
    if (period) b.style.animationDelay = -Math.round(performance.now() % period) + 'ms';
    return b;
  }

  // Which element has the focus, by what it is about (the DOM is rebuilt), and back.
  function focusKey() {
    const a = document.activeElement;
    if (!a || a === document.body) return null;
    const host = a.closest('[data-bed-id], [data-alarm-id]');
    if (!host) return null;
    return { bed: host.dataset.bedId, alarm: host.dataset.alarmId, role: a === host ? '' : a.className };
  }
  function refocus(k, box) {
    if (!k) return;
    const host = k.alarm ? box.querySelector('[data-alarm-id="' + CSS.escape(k.alarm) + '"]') : k.bed ? box.querySelector('[data-bed-id="' + CSS.escape(k.bed) + '"]') : null;
    if (!host) return;
    const target = k.role ? host.querySelector('.' + k.role.split(' ').map(CSS.escape).join('.')) : host;
    (target || host).focus({ preventScroll: true });
  }

  function renderAlarms() {
    const body = $('alarms').tBodies[0];
    const k = body.contains(document.activeElement) ? focusKey() : null;
    body.replaceChildren();
    const list = alarms.filter((a) => a.audience !== 'it').sort((a, b) => RANK[a.priority] - RANK[b.priority] || a.raisedAtMs - b.raisedAtMs);
    for (const a of list) {
      const tr = el('tr', 'alarm ' + a.priority + (a.acknowledged ? ' acked' : ' unacked'));
      tr.dataset.alarmId = a.alarmId;
      const prio = el('td'); prio.append(badge(a.priority)); tr.append(prio);
      tr.append(el('td', '', a.bedId + (a.patientId ? ' · ' + a.patientId : '')));
      tr.append(el('td', 'msg', a.message));
      // With its unit, as on the bed card: a bare "83" in a list of alarms is ambiguous.
      const unit = a.metric && metrics[a.metric] ? metrics[a.metric].unit : '';
      tr.append(el('td', 'num', a.lastValue === null ? '' : a.metric ? fmt(a.metric, a.lastValue) + (unit ? ' ' + unit : '') : a.lastValue));
      const since = el('td', 'num age', age(a.raisedAtMs)); since.dataset.since = a.raisedAtMs; tr.append(since);
      const state = a.acknowledged ? 'acknowledged by ' + a.acknowledgedBy : a.conditionPresent ? (a.escalated ? 'escalated' : 'active') : 'latched';
      tr.append(el('td', 'state', state + (pauses.has(a.bedId) ? ' · audio paused' : '')));
      const act = el('td', 'act');
      if (!a.acknowledged && mayAck()) {
        const b = el('button', 'ack', 'Acknowledge');
        b.type = 'button';
        b.setAttribute('aria-label', 'Acknowledge ' + a.priority + ' alarm, ' + a.bedId + ': ' + a.message);
        b.addEventListener('click', () => openAck(a));
        act.append(b);
      }
      tr.append(act);
      body.append(tr);
    }
    $('no-alarms').hidden = list.length > 0;
    $('alarm-count').textContent = list.length ? '(' + list.length + ')' : '';
    document.title = (list.length ? '(' + list.length + ') ' : '') + 'Nurse station';
    refocus(k, body);
  }

  function renderBeds() {
    const box = $('beds');
    const k = box.contains(document.activeElement) ? focusKey() : null;
    box.replaceChildren();
    const highest = new Map();
    const unacked = new Set();
    for (const a of alarms) {
      if (a.audience === 'it') continue;
      const h = highest.get(a.bedId);
      if (!h || RANK[a.priority] < RANK[h]) highest.set(a.bedId, a.priority);
    }
    for (const a of alarms) if (!a.acknowledged && a.priority === highest.get(a.bedId)) unacked.add(a.bedId);
    const ids = [...new Set([...beds.keys(), ...highest.keys()])].filter((b) => b !== '-').sort();
    const order = Object.keys(metrics);
    for (const id of ids) {
      const bed = beds.get(id) || { bedId: id, patientId: null, metrics: {} };
      const prio = highest.get(id);
      const card = el('article', 'bed ' + (prio || '') + (unacked.has(id) ? ' unacked' : ''));
      card.dataset.bedId = id;
      card.tabIndex = 0;
      card.setAttribute('aria-label', id + ', ' + (bed.patientId || 'no patient') + (prio ? ', ' + prio + ' priority alarm' : '') + '. Enter: 24-hour trends');
      const h = el('h3', '', id);
      if (prio) h.append(badge(prio));
      h.append(el('small', '', bed.patientId || 'no patient'));
      card.append(h);
      const paused = pauses.get(id);
      if (paused || (mayPause() && highest.has(id))) {
        const line = el('div', 'audio' + (paused ? ' paused' : ''));
        if (paused) line.append(el('span', 'muted', 'audio paused ' + clockOf(paused.untilMs - now()) + ' · ' + paused.by));
        if (mayPause()) {
          const b = el('button', 'pause', paused ? 'Resume audio' : 'Pause audio ' + Math.round(audioMaxMs / 60000) + ' min');
          b.type = 'button';
          b.addEventListener('click', () => setPause(id, !paused));
          line.append(b);
        }
        card.append(line);
      }
      const grid = el('div', 'vitals');
      const names = Object.keys(bed.metrics).sort((a, b) => order.indexOf(a) - order.indexOf(b));
      for (const m of names) {
        const s = bed.metrics[m];
        const info = metrics[m] || { label: m, unit: '', staleAfterMs: 10000 };
        const stale = now() - s.atMs > info.staleAfterMs;
        const flag = (FLAG_LABELS.find(([bit]) => s.flags & bit) || [])[1];
        const label = el('span', stale ? 'stale' : '', info.label || m);
        label.title = info.name || m;
        grid.append(label);
        grid.append(el('span', 'v ' + (flag ? 'flagged' : stale ? 'stale' : ''), flag || fmt(m, s.value) + ' ' + info.unit));
        grid.append(sparkFor(id, m));
        const ageEl = el('span', 'age' + (stale ? ' stale' : ''), (stale ? 'stale ' : '') + age(s.atMs));
        ageEl.dataset.metric = m;
        grid.append(ageEl);
      }
      if (names.length === 0) card.append(el('div', 'nodata', 'no readings yet'));
      else card.append(grid);
      box.append(card);
    }
    renderPauseBanner();
    refocus(k, box);
  }
`;
