/**
 * The page's CSS, inline (no external assets: the page must work with the internet
 * gone): the base layout here, alarm priority and keyboard focus in page-style-alarm.ts,
 * trends and wall mode in page-style-trend.ts.
 */
import { ALARM_STYLE } from './page-style-alarm.js';
import { TREND_STYLE } from './page-style-trend.js';

const BASE_STYLE = `
:root { --high: #d0021b; --medium: #f5c400; --low: #00b7d4; --bg: #10151b; --panel: #1b232c; --text: #e8edf2; --muted: #8a97a6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; align-items: baseline; gap: 16px; padding: 10px 18px; background: #0b0f13; border-bottom: 1px solid #2a3440; }
header h1 { font-size: 20px; margin: 0; }
#ward { color: var(--muted); }
#link { margin-left: auto; font-size: 13px; padding: 2px 10px; border-radius: 10px; }
#link.up { background: #1e5631; } #link.down { background: #7a1f1f; }
#clock { font-variant-numeric: tabular-nums; color: var(--muted); }
main { padding: 12px 18px; display: grid; gap: 18px; }
h2 { font-size: 16px; margin: 0 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
table { width: 100%; border-collapse: collapse; background: var(--panel); }
th, td { padding: 7px 10px; text-align: left; border-bottom: 1px solid #2a3440; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; }
tr.alarm.high td:first-child { box-shadow: inset 5px 0 var(--high); } tr.alarm.medium td:first-child { box-shadow: inset 5px 0 var(--medium); } tr.alarm.low td:first-child { box-shadow: inset 5px 0 var(--low); }
tr.alarm.acked { opacity: .75; }
.state { color: var(--muted); font-size: 13px; }
button { font: inherit; border-radius: 4px; border: 1px solid #4a5968; background: #26313c; color: var(--text); padding: 4px 12px; cursor: pointer; }
button.ack { background: #e8edf2; color: #111; font-weight: 600; }
#no-alarms { color: var(--muted); margin: 6px 0; }
.beds { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px; }
.bed h3 { margin: 0 0 4px; font-size: 15px; display: flex; justify-content: space-between; }
.bed h3 small { color: var(--muted); font-weight: 400; }
.vitals .v { text-align: right; font-weight: 700; font-variant-numeric: tabular-nums; }
.vitals .age { color: var(--muted); font-size: 12px; text-align: right; }
.vitals .stale { color: #6b7785; font-weight: 400; text-decoration: line-through; }
.vitals .age.stale { color: #e39b3b; text-decoration: none; }
.vitals .flagged { color: #e39b3b; font-weight: 400; }
.nodata { color: var(--muted); font-size: 13px; }
dialog { background: var(--panel); color: var(--text); border: 1px solid #4a5968; border-radius: 8px; min-width: 340px; }
dialog::backdrop { background: rgba(0, 0, 0, .6); }
dialog label { display: block; margin: 10px 0; } dialog input { font: inherit; width: 100%; padding: 6px; margin-top: 4px; }
dialog menu { display: flex; justify-content: flex-end; gap: 8px; padding: 0; }
#ack-error, #login-error { color: #ff8a80; min-height: 1.2em; margin: 0; }
#who { color: var(--muted); font-size: 13px; }
.bed .audio { display: flex; justify-content: space-between; align-items: center; gap: 6px; font-size: 12px; margin: 2px 0 4px; }
.bed .audio.paused { color: #e39b3b; }
.bed .audio button { font-size: 12px; padding: 1px 8px; }
#signin { display: flex; justify-content: center; padding: 60px 18px; }
#signin[hidden], main[hidden] { display: none; }
#login-form { background: var(--panel); border: 1px solid #4a5968; border-radius: 8px; padding: 18px 22px; min-width: 320px; display: grid; gap: 6px; }
#login-form input { font: inherit; padding: 6px; }
#login-why { color: #e39b3b; margin: 0; }
`;

export const PAGE_STYLE = BASE_STYLE + ALARM_STYLE + TREND_STYLE;
