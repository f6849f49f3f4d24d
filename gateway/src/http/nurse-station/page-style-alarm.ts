/**
 * Alarm priority on the page, after IEC 60601-1-8 (Table 2, visual alarm signals):
 *   high    red     flashing 1.4-2.8 Hz, 20-60 % on  -> 2 Hz (0.5 s period), 50 % on
 *   medium  yellow  flashing 0.4-0.8 Hz, 20-60 % on  -> 0.625 Hz (1.6 s period), 50 % on
 *   low     cyan    constant (on 100 %)
 * An acknowledged alarm stops flashing (its colour stays). The priority is also in the
 * text, "!!! HIGH", "!! MED", "! LOW", so staff who cannot tell red from yellow still
 * can. `prefers-reduced-motion` does NOT stop the flashing: the standard makes it the
 * signal of priority, and a nurse must see a high alarm from across the room. Only the
 * priority badges flash (a small area, not the screen), and the dim phase keeps 45 %
 * opacity rather than blanking.
 */
export const ALARM_STYLE = `
.prio { display: inline-block; min-width: 86px; text-align: center; font-weight: 800; border-radius: 4px; padding: 2px 8px; font-size: 13px; letter-spacing: .02em; white-space: nowrap; }
.prio.high { background: var(--high); color: #fff; } .prio.medium { background: var(--medium); color: #111; } .prio.low { background: var(--low); color: #111; }
tr.alarm.unacked .prio.high, .bed.unacked.high h3 .prio { animation: flash-high .5s steps(1, end) infinite; }
tr.alarm.unacked .prio.medium, .bed.unacked.medium h3 .prio { animation: flash-medium 1.6s steps(1, end) infinite; }
@keyframes flash-high { 50% { opacity: .45; } }
@keyframes flash-medium { 50% { opacity: .45; } }
.bed { background: var(--panel); border-radius: 6px; padding: 8px 10px; border-top: 5px solid #33404d; cursor: pointer; }
.bed.high { border-top-color: var(--high); } .bed.medium { border-top-color: var(--medium); } .bed.low { border-top-color: var(--low); }
.bed h3 .prio { min-width: 0; font-size: 12px; padding: 0 6px; }
.banner { padding: 8px 18px; font-weight: 600; display: flex; gap: 10px; align-items: center; }
#sound-off { background: #7a1f1f; color: #fff; }
#sound-off strong { font-size: 18px; letter-spacing: .06em; }
#sound-off button { background: #fff; color: #111; font-weight: 700; }
#audio-paused { background: #5a3a06; color: #ffd28a; }
.banner[hidden] { display: none; }
:focus-visible { outline: 3px solid #ffffff; outline-offset: 2px; box-shadow: 0 0 0 6px #1a73e8; }
.bed:focus-visible { outline-offset: 3px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
