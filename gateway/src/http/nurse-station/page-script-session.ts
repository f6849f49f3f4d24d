/**
 * Part of the page's script (page-script.ts puts the parts in one closure): who is signed
 * in (sign-in, sign-out, keep-alive), the acknowledge dialog, and the live SSE stream with
 * its reconnection.
 */
export const SESSION_SCRIPT = `
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
    $('who').hidden = true; $('logout').hidden = true;
    updateSoundButton();
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
  let ackOpener = null;
  function openAck(a) {
    acking = a;
    ackOpener = a.alarmId;
    $('ack-what').textContent = a.priority.toUpperCase() + ' · ' + a.bedId + ' · ' + a.message;
    $('ack-as').textContent = 'Acknowledged as ' + me.name + ' (' + me.staffId + ').';
    $('ack-error').textContent = '';
    $('ack-dialog').showModal();
    $('ack-confirm').focus();
  }
  $('ack-cancel').addEventListener('click', () => $('ack-dialog').close());
  // Back to where the nurse was: the alarm's row (its button is gone once acknowledged).
  $('ack-dialog').addEventListener('close', () => {
    const row = ackOpener && document.querySelector('tr[data-alarm-id="' + CSS.escape(ackOpener) + '"]');
    const target = row && (row.querySelector('button.ack') || document.querySelector('#alarms button.ack'));
    if (target) target.focus();
    ackOpener = null;
  });
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
      renderAlarms(); renderBeds();
    });
    source.addEventListener('vitals', (e) => {
      const d = JSON.parse(e.data);
      sync(d.nowMs);
      if (d.full) beds.clear();
      for (const b of d.beds) beds.set(b.bedId, b);
      renderBeds();
    });
  }

`;
