/**
 * Trends (sparklines on the cards, the 24 h bed view with its alarm marks) and wall mode:
 * bigger type, cards fitted to the screen, no buttons but the way back.
 */
export const TREND_STYLE = `
.beds { grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); }
.bed h3 { align-items: center; gap: 8px; }
.vitals .v { white-space: nowrap; }
.vitals { display: grid; grid-template-columns: auto 1fr auto auto; gap: 1px 8px; font-size: 14px; align-items: center; }
.spark { display: inline-block; width: 64px; height: 18px; }
.spark svg { display: block; }
.trend-line { stroke: #9fd3ff; stroke-width: 1; stroke-linejoin: round; }
#bed-dialog { width: min(820px, 96vw); max-height: 92vh; overflow: auto; }
#bed-dialog header { display: flex; justify-content: space-between; align-items: center; gap: 12px; background: none; border: 0; padding: 0 0 8px; }
#bed-dialog h3 { margin: 0; }
.chart { margin: 0 0 10px; }
.chart figcaption { font-size: 13px; color: var(--muted); }
.chart svg { background: #0d1217; border-radius: 4px; max-width: 100%; height: auto; }
.chart .trend-line { stroke-width: 1.2; }
.chart .grid { stroke: #26313c; stroke-width: 1; }
.mark { stroke-width: 2; stroke-dasharray: 4 3; }
.mark.high { stroke: var(--high); } .mark.medium { stroke: var(--medium); } .mark.low { stroke: var(--low); }
body.wall { font-size: 22px; }
body.wall header h1 { font-size: 28px; }
body.wall #logout, body.wall .pause, body.wall button.ack, body.wall td.act, body.wall th.act, body.wall #sound { display: none; }
body.wall #wall-toggle { font-size: 13px; opacity: .6; }
body.wall .beds { grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 14px; }
body.wall .bed h3 { font-size: 26px; }
body.wall .vitals { font-size: 24px; }
body.wall .vitals .age { font-size: 15px; }
body.wall .spark, body.wall .spark svg { width: 120px; height: 32px; }
body.wall .prio { font-size: 18px; }
body.wall th { font-size: 15px; }
`;
