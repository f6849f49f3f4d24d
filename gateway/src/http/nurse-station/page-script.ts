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
      tr.append(el('td', 'state', state + (pauses.has(a.bedId) ? ' · audio paused' : '')));
      const act = el('td');
      if (!a.acknowledged && mayAck()) {
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

  // ---- alarm sound: the most urgent unacknowledged alarm of a bed whose sound is not paused
  let pauses = new Map();
  let audioMaxMs = 120000;
  let audio = null;
  const lastBurst = { high: 0, medium: 0, low: 0 };
  // Burst patterns after IEC 60601-1-8: high 5 pulses (3 + 2) every 5 s, medium 3 pulses
  // every 10 s, low 2 pulses every 20 s; higher priority, higher pitch.
  const PATTERNS = { high: { hz: 988, pulses: [0, 0.2, 0.4, 0.9, 1.1], everyMs: 5000 }, medium: { hz: 660, pulses: [0, 0.25, 0.5], everyMs: 10000 }, low: { hz: 523, pulses: [0, 0.3], everyMs: 20000 } };
  function clockOf(ms) { const s = Math.max(0, Math.ceil(ms / 1000)); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }
  function unlockAudio() {
    try {
      if (!audio) audio = new AudioContext();
      if (audio.state === 'suspended') audio.resume();
    } catch (err) { audio = null; }
    updateSoundButton();
  }
  function updateSoundButton() { $('sound').hidden = !me || (audio !== null && audio.state === 'running'); }
  function sounding() {
    let best = '';
    for (const a of alarms) {
      if (a.acknowledged || a.audience === 'it' || pauses.has(a.bedId)) continue;
      if (!best || RANK[a.priority] < RANK[best]) best = a.priority;
    }
    return best;
  }
  function beep(p) {
    if (!audio || audio.state !== 'running') return;
    const t0 = audio.currentTime;
    for (const at of p.pulses) {
      const osc = audio.createOscillator(); const gain = audio.createGain();
      osc.frequency.value = p.hz; gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.3, t0 + at + 0.02); gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.15);
      osc.connect(gain).connect(audio.destination); osc.start(t0 + at); osc.stop(t0 + at + 0.16);
    }
  }
  setInterval(() => {
    const priority = me ? sounding() : '';
    document.body.dataset.sounding = priority;
    if (!priority) return;
    const p = PATTERNS[priority];
    if (Date.now() - lastBurst[priority] >= p.everyMs) { lastBurst[priority] = Date.now(); beep(p); }
  }, 250);
  async function setPause(bedId, pause) {
    const res = await fetch(pause ? '/api/beds/audio-pause' : '/api/beds/audio-resume', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pause ? { bedId, seconds: audioMaxMs / 1000 } : { bedId }) }).catch(() => null);
    if (res && res.status === 401) checkSession();
  }
  document.addEventListener('pointerdown', unlockAudio, { passive: true });
  document.addEventListener('keydown', unlockAudio, { passive: true });

  // ---- who is signed in
  let me = null;
  const mayAck = () => !!me && me.permissions.indexOf('acknowledge') >= 0;
  const mayPause = () => !!me && me.permissions.indexOf('audio-pause') >= 0;
  const WHY = {
    WL_AUTH_SESSION_EXPIRED: 'Your session ended after inactivity or at the end of the shift. Sign in again.',
    WL_AUTH_SESSION_REVOKED: 'Your session was ended (signed out elsewhere, account disabled or PIN reset).',
    WL_AUTH_INVALID_TOKEN: 'This screen’s token is no longer valid. Ask IT for a new one.',
    WL_AUTH_LOCKED_OUT: 'Too many failed sign-ins. Wait, or ask IT.',
  };
  const errorOf = async (res) => { const b = await res.json().catch(() => ({})); return b.error || { code: 'HTTP_' + res.status, message: 'HTTP ' + res.status }; };

  function showSignIn(code) {
    me = null;
    stopStream();
    alarms = []; beds.clear();
    $('ward-view').hidden = true;
    $('who').hidden = true; $('logout').hidden = true; $('sound').hidden = true;
    $('signin').hidden = false;
    $('login-why').textContent = WHY[code] || '';
    $('login-pin').value = '';
    $('login-id').focus();
    const token = sessionStorage.getItem('displayToken');
    if (token && code !== 'WL_AUTH_INVALID_TOKEN') signIn({ token });
  }
  function signedIn(who) {
    me = who;
    $('signin').hidden = true;
    $('ward-view').hidden = false;
    $('who').textContent = who.name + ' · ' + who.role;
    $('who').hidden = false; $('logout').hidden = false;
    updateSoundButton();
    renderAlarms(); renderBeds();
    startStream();
  }
  async function signIn(body) {
    $('login-error').textContent = '';
    $('login-submit').disabled = true;
    try {
      const res = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.ok) { signedIn(await res.json()); return; }
      const e = await errorOf(res);
      if (body.token && e.code !== 'WL_AUTH_LOCKED_OUT') sessionStorage.removeItem('displayToken');
      $('login-error').textContent = WHY[e.code] || e.message;
    } catch (err) {
      $('login-error').textContent = 'The gateway did not answer; try again.';
    } finally {
      $('login-submit').disabled = false;
    }
  }
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const staffId = $('login-id').value.trim();
    const pin = $('login-pin').value;
    if (!staffId || !pin) { $('login-error').textContent = 'Enter your staff id and PIN.'; return; }
    signIn({ staffId, pin });
  });
  $('logout').addEventListener('click', async () => {
    sessionStorage.removeItem('displayToken');
    await fetch('/api/logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => undefined);
    showSignIn(null);
  });
  // A person's input keeps the session alive (at most one request a minute); the live
  // stream alone does not: an unattended page signs out after the idle time.
  let lastKeepAlive = 0;
  for (const type of ['pointerdown', 'keydown']) {
    document.addEventListener(type, () => {
      if (!me || me.role === 'display' || Date.now() - lastKeepAlive < 60000) return;
      lastKeepAlive = Date.now();
      fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => { if (r.status === 401) checkSession(); }).catch(() => undefined);
    }, { passive: true });
  }

  // ---- acknowledge
  let acking = null;
  function openAck(a) {
    acking = a;
    $('ack-what').textContent = a.priority.toUpperCase() + ' · ' + a.bedId + ' · ' + a.message;
    $('ack-as').textContent = 'Acknowledged as ' + me.name + ' (' + me.staffId + ').';
    $('ack-error').textContent = '';
    $('ack-dialog').showModal();
    $('ack-confirm').focus();
  }
  $('ack-cancel').addEventListener('click', () => $('ack-dialog').close());
  $('ack-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!acking) return;
    $('ack-confirm').disabled = true;
    try {
      const res = await fetch('/api/alarms/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ alarmId: acking.alarmId }) });
      if (res.ok) { $('ack-dialog').close(); return; }
      const err = await errorOf(res);
      if (err.code === 'WL_ALARM_ALREADY_ACKNOWLEDGED') $('ack-dialog').close();
      else if (res.status === 401) { $('ack-dialog').close(); showSignIn(err.code); }
      else $('ack-error').textContent = err.message || 'Not acknowledged (HTTP ' + res.status + ').';
    } catch (err) {
      $('ack-error').textContent = 'The gateway did not answer; try again.';
    } finally {
      $('ack-confirm').disabled = false;
    }
  });

  // ---- the live stream, reconnected after any error with backoff
  function setLink(up) {
    const l = $('link');
    l.className = 'link ' + (up ? 'up' : 'down');
    l.textContent = up ? 'live' : 'reconnecting…';
  }
  let source = null;
  let retryMs = 1000;
  let retryTimer = null;
  function stopStream() {
    clearTimeout(retryTimer);
    if (source) { source.close(); source = null; }
  }
  function retryLater() {
    stopStream();
    setLink(false);
    const wait = retryMs * (0.5 + Math.random() / 2);
    retryMs = Math.min(30000, retryMs * 2);
    retryTimer = setTimeout(checkSession, wait);
  }
  async function checkSession() {
    try {
      const res = await fetch('/api/session');
      if (res.ok) { const who = await res.json(); if (me) { me = who; startStream(); } else signedIn(who); }
      else if (res.status === 401) showSignIn((await errorOf(res)).code);
      else retryLater();
    } catch (err) {
      retryLater();
    }
  }
  function startStream() {
    stopStream();
    source = new EventSource('/api/events');
    source.addEventListener('open', () => { retryMs = 1000; setLink(true); });
    // A network error makes EventSource retry by itself; an HTTP error (401, 429, 503)
    // closes it for good, so the page asks why and tries again with backoff.
    source.addEventListener('error', () => { setLink(false); if (source && source.readyState === EventSource.CLOSED) retryLater(); });
    source.addEventListener('signed-out', () => { stopStream(); checkSession(); });
    source.addEventListener('hello', (e) => { const d = JSON.parse(e.data); sync(d.nowMs); metrics = d.metrics; $('ward').textContent = d.gatewayId; });
    source.addEventListener('alarms', (e) => { const d = JSON.parse(e.data); sync(d.nowMs); alarms = d.alarms; renderAlarms(); renderBeds(); });
    source.addEventListener('audio', (e) => {
      const d = JSON.parse(e.data);
      sync(d.nowMs);
      audioMaxMs = d.maxMs;
      pauses = new Map(d.pauses.map((p) => [p.bedId, p]));
      renderBeds();
    });
    source.addEventListener('vitals', (e) => {
      const d = JSON.parse(e.data);
      sync(d.nowMs);
      if (d.full) beds.clear();
      for (const b of d.beds) beds.set(b.bedId, b);
      renderBeds();
    });
  }

  // A wall screen is set up once with its token in the address's fragment (never sent to
  // the server in the URL): https://gateway/#display-token=wlt_...
  const m = /^#display-token=(wlt_[A-Za-z0-9_-]+)$/.exec(location.hash);
  if (m) { sessionStorage.setItem('displayToken', m[1]); history.replaceState(null, '', location.pathname); }
  checkSession();

  setInterval(() => {
    $('clock').textContent = new Date(now()).toLocaleTimeString();
    for (const td of document.querySelectorAll('td[data-since]')) td.textContent = age(Number(td.dataset.since));
    renderBeds();
  }, 1000);
})();
`;
