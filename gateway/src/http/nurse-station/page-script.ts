/**
 * The page's script, inline: plain browser JavaScript, no framework, no module loader. The
 * parts live in their own files and run in ONE closure, in this order (later parts use
 * what earlier ones declare; nothing runs before the last part starts the page):
 *   render   state, helpers, alarm list and bed cards        page-script-render.ts
 *   sound    IEC 60601-1-8 bursts, SOUND OFF, audio pauses    page-script-sound.ts
 *   trends   sparklines and the 24 h bed view                 page-script-trends.ts
 *   session  sign-in, acknowledge, the live stream            page-script-session.ts
 *   keys     keyboard, wall mode, start                       page-script-keys.ts
 * Everything from the server is put in the page with textContent (a patient id or an
 * alarm message never becomes markup). The server's clock is the reference for ages and
 * staleness (`nowMs` in each message gives the offset), so a wrong clock on the ward PC
 * does not make fresh values look stale.
 */
import { BURSTS } from './alarm-sound-table.js';
import { KEYS_SCRIPT } from './page-script-keys.js';
import { RENDER_SCRIPT } from './page-script-render.js';
import { SESSION_SCRIPT } from './page-script-session.js';
import { SOUND_SCRIPT } from './page-script-sound.js';
import { TRENDS_SCRIPT } from './page-script-trends.js';

export const PAGE_SCRIPT = `
(() => {
  'use strict';
  const BURSTS = ${JSON.stringify(BURSTS)};
${RENDER_SCRIPT}${SOUND_SCRIPT}${TRENDS_SCRIPT}${SESSION_SCRIPT}${KEYS_SCRIPT}})();
`;
