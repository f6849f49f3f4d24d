/**
 * Part of the page's script: keyboard access, wall mode, and the start.
 *
 * Keys: Tab reaches every card and button (a visible focus ring); Enter or Space on a bed
 * card opens its 24 h view, Esc closes it (the dialog's own); arrow keys move between
 * cards; "a" jumps to the oldest most urgent unacknowledged alarm's Acknowledge button;
 * "w" toggles wall mode. Wall mode (`?wall=1` or the header's button) is for large
 * screens: bigger type, a grid fitted to the screen, no buttons but the way out of it.
 */
export const KEYS_SCRIPT = `
  function typing(e) { return e.target.closest && e.target.closest('input, textarea, select, dialog'); }
  $('beds').addEventListener('click', (e) => {
    const card = e.target.closest('.bed');
    if (card && !e.target.closest('button')) openBed(card.dataset.bedId);
  });
  $('beds').addEventListener('keydown', (e) => {
    const card = e.target.closest('.bed');
    if (!card || e.target !== card) return;
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); openBed(card.dataset.bedId); return; }
    const cards = [...document.querySelectorAll('#beds .bed')];
    const i = cards.indexOf(card);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (step && cards[i + step]) { e.preventDefault(); cards[i + step].focus(); }
  });
  document.addEventListener('keydown', (e) => {
    if (!me || e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    if (e.key === 'a') { const b = document.querySelector('#alarms button.ack'); if (b) { e.preventDefault(); b.focus(); } }
    if (e.key === 'w') setWall(!document.body.classList.contains('wall'));
  });

  function setWall(on) {
    document.body.classList.toggle('wall', on);
    $('wall-toggle').textContent = on ? 'Leave wall view' : 'Wall view';
    $('wall-toggle').setAttribute('aria-pressed', String(on));
    const url = new URL(location.href);
    if (on) url.searchParams.set('wall', '1'); else url.searchParams.delete('wall');
    history.replaceState(null, '', url.pathname + url.search);
  }
  // A wall screen is set up once with its token in the address's fragment (never sent to
  // the server in the URL): https://gateway/?wall=1#display-token=wlt_...
  const m = /^#display-token=(wlt_[A-Za-z0-9_-]+)$/.exec(location.hash);
  if (m) { sessionStorage.setItem('displayToken', m[1]); history.replaceState(null, '', location.pathname + location.search); }
  $('wall-toggle').addEventListener('click', () => setWall(!document.body.classList.contains('wall')));
  setWall(new URLSearchParams(location.search).get('wall') === '1');

  checkSession();

  setInterval(() => {
    $('clock').textContent = new Date(now()).toLocaleTimeString();
    for (const td of document.querySelectorAll('td[data-since]')) td.textContent = age(Number(td.dataset.since));
    renderBeds();
    refreshSparks();
  }, 1000);
`;
