/**
 * The nurse-station page: one HTML document with its CSS and script inline, no external
 * asset (no CDN, no web font), so it works with the cloud and the internet unreachable.
 * It shows nothing until someone signs in (`/api/login`: a staff id and PIN, or a display
 * screen's token); live data then comes over SSE (`/api/events`) and acknowledgements go
 * to `/api/alarms/ack` in the signed-in nurse's name.
 */
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function nurseStationPage(gatewayId: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nurse station</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>Nurse station</h1><span id="ward">${escapeHtml(gatewayId)}</span><span id="link" class="link down">connecting…</span><span id="who" hidden></span><button type="button" id="wall-toggle" aria-pressed="false">Wall view</button><button type="button" id="logout" hidden>Sign out</button><span id="clock"></span></header>
<div id="sound-off" class="banner" role="alert" hidden><strong>SOUND OFF</strong> <span>Alarms are silent on this screen: click anywhere or press a key to enable sound.</span> <button type="button" id="sound">Enable sound</button></div>
<div id="audio-paused" class="banner" role="status" hidden></div>
<div id="signin" hidden>
<form id="login-form">
<h2>Sign in</h2>
<p id="login-why"></p>
<label for="login-id">Staff id (badge)</label>
<input id="login-id" name="staffId" maxlength="32" autocomplete="username" spellcheck="false">
<label for="login-pin">PIN</label>
<input id="login-pin" name="pin" type="password" maxlength="128" autocomplete="current-password">
<p id="login-error" role="alert"></p>
<button type="submit" id="login-submit" class="ack">Sign in</button>
</form>
</div>
<main id="ward-view" hidden>
<section aria-labelledby="alarms-title">
<h2 id="alarms-title">Active alarms <span id="alarm-count"></span></h2>
<table id="alarms"><thead><tr><th>Priority</th><th>Bed</th><th>Alarm</th><th>Value</th><th>Since</th><th>State</th><th class="act"><span class="sr">Action</span></th></tr></thead><tbody></tbody></table>
<p id="no-alarms">No active alarms.</p>
</section>
<section aria-labelledby="beds-title">
<h2 id="beds-title">Beds</h2>
<div id="beds" class="beds"></div>
</section>
</main>
<dialog id="bed-dialog" aria-labelledby="bed-title">
<header><h3 id="bed-title"></h3><button type="button" id="bed-close">Close (Esc)</button></header>
<div id="bed-charts"></div>
</dialog>
<dialog id="ack-dialog">
<form id="ack-form">
<h3>Acknowledge alarm</h3>
<p id="ack-what"></p>
<p id="ack-as"></p>
<p id="ack-error" role="alert"></p>
<menu><button type="button" id="ack-cancel">Cancel</button><button type="submit" id="ack-confirm" class="ack">Acknowledge</button></menu>
</form>
</dialog>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
