/**
 * The nurse station's alarm signals in a real headless Chromium (IEC 60601-1-8): SOUND OFF
 * until a gesture enables sound; the burst of the most urgent unacknowledged alarm, with
 * the standard's pulse counts and spacings, really played (the output level is measured);
 * priority shown by colour, flash period and a text cue, flashing kept under reduced
 * motion; acknowledging by keyboard; a charge nurse's audio pause with its countdown.
 * Screenshots of the key states go to test-artifacts/nurse-station/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebClient } from '../../testing/web-client.js';
import { BURSTS, pulseStartsMs } from './alarm-sound-table.js';
import { chromiumAvailable } from './testing/chromium.js';
import { addStaff, openStation, SHOTS, type Station } from './testing/station-page.js';

interface Burst { priority: string; f0Hz: number; pulseMs: number; startsMs: number[]; audible: boolean; atMs: number }
let st: Station;
let page: Page;

// The page runs in the browser; these tests name its globals in strings (no DOM types in the build).
const js = <T>(p: Page, expr: string) => p.evaluate(expr) as Promise<T>;
const bursts = (p: Page) => js<Burst[]>(p, 'window.__wlAudio.bursts');
/** The spacing ts between pulses (end of one to start of the next), ms. */
const spacings = (b: Burst) => b.startsMs.slice(1).map((s, i) => s - b.startsMs[i]! - b.pulseMs);
async function nextAudibleBurst(p: Page, priority: string, afterMs: number): Promise<Burst> {
  let found: Burst | undefined;
  await expect.poll(async () => (found = (await bursts(p)).find((b) => b.priority === priority && b.audible && b.atMs > afterMs)) !== undefined, { timeout: 30_000 }).toBe(true);
  return found!;
}
const style = (p: Page, sel: string, prop: string) => js<string>(p, `getComputedStyle(document.querySelector(${JSON.stringify(sel)})).getPropertyValue(${JSON.stringify(prop)})`);

describe.skipIf(!chromiumAvailable('the nurse-station alarm-signal tests in Chromium'))('nurse-station alarm signals in Chromium', () => {
  beforeAll(async () => {
    st = await openStation();
    await addStaff(st.gw.config, { staffId: 'RN-1', name: 'Ana Ruiz', role: 'nurse', pin: '246810' });
    page = await st.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await st.signIn(page, 'RN-1', '246810');
  }, 60_000);
  afterAll(async () => {
    await st?.close();
  });

  it('enables sound with the gesture of signing in; a screen nobody touched says SOUND OFF until a gesture', async () => {
    // The nurse's click on "Sign in" was the gesture browsers ask for.
    await expect.poll(() => js(page, 'document.body.dataset.sound')).toBe('on');
    expect(await page.locator('#sound-off').isHidden()).toBe(true);
    // A wall screen signed in by its token had no gesture: it says so, plainly, until one.
    const issued = await addStaff(st.gw.config, { staffId: 'wall-1', name: 'Ward wall', role: 'display' });
    const wall = await st.browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await wall.goto(`${st.base}/#display-token=${issued.secret}`);
      await wall.locator('#link.up').waitFor({ timeout: 15_000 });
      await expect.poll(() => wall.locator('#sound-off').isVisible()).toBe(true);
      expect(await wall.locator('#sound-off').textContent()).toContain('SOUND OFF');
      expect(await js(wall, 'document.body.dataset.sound')).toBe('off');
      await wall.screenshot({ path: `${SHOTS}sound-off.png`, animations: 'disabled' });
      await wall.getByRole('button', { name: 'Enable sound' }).click();
      await expect.poll(() => js(wall, 'document.body.dataset.sound')).toBe('on');
      expect(await wall.locator('#sound-off').isHidden()).toBe(true);
    } finally {
      await wall.close();
    }
  }, 60_000); // a loaded CI box is slow with Chromium

  it('shows each priority by colour, flash period and a text cue, and keeps flashing under reduced motion', async () => {
    await st.publish('mon-3', { HR: 101, SPO2: -999, RR: 22 }, { SPO2: ['sensor-off'] }); // low
    await st.publish('mon-2', { HR: 88, SPO2: 95, NIBP_SYS: 175, NIBP_DIA: 80, NIBP_MEAN: 105 }); // medium
    await st.publish('mon-1', { HR: 72, SPO2: 97, NIBP_SYS: 231, NIBP_DIA: 85, NIBP_MEAN: 100 }); // high
    await expect.poll(() => page.locator('#alarms tbody tr.alarm').count(), { timeout: 15_000 }).toBe(3);
    for (const [p, text, colour, duration] of [
      ['high', '!!! HIGH', 'rgb(208, 2, 27)', '0.5s'],
      ['medium', '!! MED', 'rgb(245, 196, 0)', '1.6s'],
      ['low', '! LOW', 'rgb(0, 183, 212)', '0s'],
    ] as const) {
      const sel = `tr.alarm.${p} .prio`;
      expect(await page.locator(sel).textContent()).toBe(text);
      expect(await style(page, sel, 'background-color')).toBe(colour);
      expect(await style(page, sel, 'animation-duration')).toBe(duration);
      expect(await style(page, sel, 'animation-name')).toBe(p === 'low' ? 'none' : `flash-${p}`);
      // The bed card says it too, with the same cue.
      expect(await page.locator(`.bed.${p} h3 .prio`).textContent()).toBe(text);
    }
    // 1.4-2.8 Hz for high, 0.4-0.8 Hz for medium (IEC 60601-1-8 Table 2).
    expect(1 / 0.5).toBeGreaterThanOrEqual(1.4);
    expect(1 / 1.6).toBeGreaterThanOrEqual(0.4);
    // The medium badge on the card really flashes at its period though the card is rebuilt
    // every second: dim about half the time (restarted each second, it would be dim for
    // only 0.2 s of each 1 s: 20 %).
    const opacities = await js<string[]>(page, `(async () => {
      const seen = [];
      for (let i = 0; i < 80; i++) {
        seen.push(getComputedStyle(document.querySelector('.bed.medium h3 .prio')).opacity);
        await new Promise((r) => setTimeout(r, 50));
      }
      return seen;
    })()`);
    expect(new Set(opacities)).toEqual(new Set(['1', '0.45']));
    const dim = opacities.filter((o) => o === '0.45').length / opacities.length;
    expect(dim).toBeGreaterThan(0.35);
    expect(dim).toBeLessThan(0.65);
    await page.emulateMedia({ reducedMotion: 'reduce' });
    expect(await style(page, 'tr.alarm.high .prio', 'animation-duration')).toBe('0.5s');
    await page.emulateMedia({ reducedMotion: null });
    await page.screenshot({ path: `${SHOTS}alarms.png`, animations: 'disabled' });
  }, 60_000);

  it('plays the IEC 60601-1-8 burst of the most urgent unacknowledged alarm, audibly', async () => {
    const high = await nextAudibleBurst(page, 'high', 0);
    expect(high.startsMs).toEqual(pulseStartsMs(BURSTS.high));
    expect(high.startsMs).toHaveLength(10);
    const [x] = spacings(high);
    expect(x).toBeGreaterThanOrEqual(50);
    expect(x).toBeLessThanOrEqual(125);
    expect(high.pulseMs).toBeGreaterThanOrEqual(75);
    expect(high.pulseMs).toBeLessThanOrEqual(200);
    const gap56 = spacings(high)[4]!;
    expect(gap56).toBeGreaterThanOrEqual(350);
    expect(gap56).toBeLessThanOrEqual(1300);
    // "3 + 2", twice: x x 2x+td x | pause | x x 2x+td x
    const two = 2 * x! + high.pulseMs;
    expect(spacings(high)).toEqual([x, x, two, x, gap56, x, x, two, x]);
    expect(high.f0Hz).toBeGreaterThanOrEqual(150);
    expect(high.f0Hz).toBeLessThanOrEqual(1000);
    // Sound really comes out of the page's audio graph while high bursts play.
    await expect.poll(() => js<number>(page, 'window.__wlAudio.level()'), { timeout: 15_000, interval: 20 }).toBeGreaterThan(0.01);
  }, 60_000);

  it('acknowledges by keyboard alone, and the next priority plays its own burst', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('a'); // to the most urgent alarm's Acknowledge button
    expect(await js(page, "document.activeElement.closest('tr').classList.contains('high')")).toBe(true);
    await page.keyboard.press('Enter');
    await page.locator('#ack-dialog').waitFor({ state: 'visible' });
    expect(await js(page, 'document.activeElement.id')).toBe('ack-confirm');
    expect(await style(page, '#ack-confirm', 'outline-style')).toBe('solid'); // a visible focus ring
    const sentAt = Date.now();
    await page.keyboard.press('Enter');
    await page.locator('#ack-dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => page.locator('tr.alarm.high td.state').textContent()).toBe('acknowledged by RN-1');
    expect(await style(page, 'tr.alarm.high .prio', 'animation-name')).toBe('none'); // acknowledged: steady
    await expect.poll(() => js(page, 'document.body.dataset.sounding')).toBe('medium');
    const medium = await nextAudibleBurst(page, 'medium', sentAt);
    expect(medium.startsMs).toHaveLength(3);
    for (const y of spacings(medium)) expect(y >= 125 && y <= 250).toBe(true);
    expect(medium.pulseMs + spacings(medium)[0]!).toBeGreaterThanOrEqual(BURSTS.high.pulseMs + BURSTS.high.spacingMs[0]!);
    expect(medium.f0Hz).toBeLessThan(BURSTS.high.f0Hz);
  }, 60_000);

  it('shows a charge nurse\'s audio pause with a countdown, and the low burst meanwhile', async () => {
    await addStaff(st.gw.config, { staffId: 'CN-1', name: 'Charge One', role: 'charge', pin: '135791' });
    const charge = await WebClient.signIn(st.base, { staffId: 'CN-1', pin: '135791' });
    const pausedAt = Date.now();
    expect((await charge.post('/api/beds/audio-pause', { bedId: 'bed-02', seconds: 90 })).status).toBe(200);
    const banner = page.locator('#audio-paused');
    await expect.poll(() => banner.textContent()).toMatch(/^AUDIO PAUSED bed-02 1:[23]\d \(CN-1\)$/);
    const first = await banner.textContent();
    await expect.poll(() => banner.textContent(), { timeout: 5000 }).not.toBe(first); // it counts down
    await expect.poll(() => js(page, 'document.body.dataset.sounding')).toBe('low');
    const low = await nextAudibleBurst(page, 'low', pausedAt);
    expect(low.startsMs).toHaveLength(2);
    expect(BURSTS.low.interburstMs).toBeGreaterThan(15_000);
    await page.screenshot({ path: `${SHOTS}audio-paused.png`, animations: 'disabled' });
    expect((await charge.post('/api/beds/audio-resume', { bedId: 'bed-02' })).status).toBe(200);
    await expect.poll(() => banner.isHidden()).toBe(true);
  }, 60_000);
});
