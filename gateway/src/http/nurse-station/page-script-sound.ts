/**
 * Part of the page's script: the alarm sound. The most urgent unacknowledged alarm of a bed
 * whose sound is not paused plays its IEC 60601-1-8 burst (alarm-sound-table.ts, given to
 * the script as BURSTS), repeated after the interburst interval; a more urgent alarm
 * starts its burst at once and cuts the one playing. Browsers start audio only after a
 * gesture, so the page asks for one ("Enable sound") and, until sound runs, shows a plain
 * SOUND OFF banner. `window.__wlAudio` logs each scheduled burst and measures the output
 * level, so tests check what is really played.
 */
export const SOUND_SCRIPT = `
  let pauses = new Map();
  let audioMaxMs = 120000;
  let audio = null;
  let master = null;
  let analyser = null;
  let playing = '';
  let nextBurstAt = 0;
  let voices = [];
  const audioLog = { bursts: [], level: () => {
    if (!analyser) return 0;
    const buf = new Float32Array(analyser.fftSize); analyser.getFloatTimeDomainData(buf);
    let sum = 0; for (const v of buf) sum += v * v;
    return Math.sqrt(sum / buf.length);
  } };
  window.__wlAudio = audioLog;
  function clockOf(ms) { const s = Math.max(0, Math.ceil(ms / 1000)); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }
  const soundOn = () => audio !== null && audio.state === 'running';
  function unlockAudio() {
    try {
      if (!audio) {
        audio = new AudioContext();
        master = audio.createGain(); master.gain.value = 0.5;
        analyser = audio.createAnalyser(); analyser.fftSize = 2048;
        master.connect(analyser).connect(audio.destination);
        audio.addEventListener('statechange', updateSoundButton);
      }
      if (audio.state === 'suspended') audio.resume().then(updateSoundButton, updateSoundButton);
    } catch (err) { audio = null; }
    updateSoundButton();
  }
  function updateSoundButton() {
    const off = !!me && !soundOn();
    $('sound-off').hidden = !off;
    document.body.dataset.sound = soundOn() ? 'on' : 'off';
  }
  function sounding() {
    let best = '';
    for (const a of alarms) {
      if (a.acknowledged || a.audience === 'it' || pauses.has(a.bedId)) continue;
      if (!best || RANK[a.priority] < RANK[best]) best = a.priority;
    }
    return best;
  }
  function starts(p) { const s = [0]; for (const gap of p.spacingMs) s.push(s[s.length - 1] + p.pulseMs + gap); return s; }
  function burstMs(p) { const s = starts(p); return s[s.length - 1] + p.pulseMs; }
  function silence() { for (const o of voices) { try { o.stop(); } catch (err) { /* already ended */ } } voices = []; }
  function playBurst(priority) {
    const p = BURSTS[priority];
    const at = starts(p);
    audioLog.bursts.push({ priority, f0Hz: p.f0Hz, pulseMs: p.pulseMs, startsMs: at, audible: soundOn(), atMs: Date.now() });
    if (audioLog.bursts.length > 50) audioLog.bursts.shift();
    if (!soundOn()) return;
    const real = new Float32Array(p.harmonics + 1); const imag = new Float32Array(p.harmonics + 1);
    for (let k = 1; k <= p.harmonics; k++) imag[k] = 1 / k;
    const wave = audio.createPeriodicWave(real, imag);
    const t0 = audio.currentTime + 0.03;
    for (const ms of at) {
      const s = t0 + ms / 1000; const d = p.pulseMs / 1000; const r = p.rampMs / 1000;
      const osc = audio.createOscillator(); const gain = audio.createGain();
      osc.setPeriodicWave(wave); osc.frequency.value = p.f0Hz;
      gain.gain.setValueAtTime(0, s); gain.gain.linearRampToValueAtTime(0.25, s + r);
      gain.gain.setValueAtTime(0.25, s + d - r); gain.gain.linearRampToValueAtTime(0, s + d);
      osc.connect(gain).connect(master); osc.start(s); osc.stop(s + d + 0.01);
      voices.push(osc);
      osc.addEventListener('ended', () => { voices = voices.filter((v) => v !== osc); });
    }
  }
  setInterval(() => {
    const priority = me ? sounding() : '';
    document.body.dataset.sounding = priority;
    updateSoundButton();
    if (priority !== playing) { silence(); playing = priority; nextBurstAt = 0; }
    if (!priority || Date.now() < nextBurstAt) return;
    const p = BURSTS[priority];
    nextBurstAt = Date.now() + burstMs(p) + p.interburstMs;
    playBurst(priority);
  }, 100);
  async function setPause(bedId, pause) {
    const res = await fetch(pause ? '/api/beds/audio-pause' : '/api/beds/audio-resume', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pause ? { bedId, seconds: audioMaxMs / 1000 } : { bedId }) }).catch(() => null);
    if (res && res.status === 401) checkSession();
  }
  // The charge nurse's audio pauses, with their countdowns, on every screen.
  function renderPauseBanner() {
    const list = [...pauses.values()].filter((p) => p.untilMs > now());
    $('audio-paused').hidden = !me || list.length === 0;
    $('audio-paused').textContent = list.length ? 'AUDIO PAUSED ' + list.map((p) => (p.bedId === '-' ? 'gateway' : p.bedId) + ' ' + clockOf(p.untilMs - now()) + ' (' + p.by + ')').join(' · ') : '';
  }
  $('sound').addEventListener('click', unlockAudio);
  document.addEventListener('pointerdown', unlockAudio, { passive: true });
  document.addEventListener('keydown', unlockAudio, { passive: true });
`;
