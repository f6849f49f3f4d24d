/**
 * The nurse-station page served by the gateway, live over SSE, with no external asset.
 *
 *   GET  /  and  /nurse-station   the page (a shell: it shows nothing until signed in)
 *   GET  /api/events              SSE: hello, alarms, event, vitals (see live-feed.ts)   view
 *   GET  /api/alarms              the active alarms, JSON, priority then age             view
 *   POST /api/alarms/ack          {"alarmId"}: acknowledge as the signed-in nurse        acknowledge
 *   POST /api/beds/audio-pause    {"bedId", "seconds"}: pause a bed's sound (audio-route.ts)  audio-pause
 *   POST /api/beds/audio-resume   {"bedId"}                                              audio-pause
 *   GET  /api/trend?bed=&hours=1|24[&metric=]  a bed's trends from the buffer (trend-route.ts;  view
 *                                 mounted by routes.ts, which holds the database)
 *
 * The daemon does:
 *   const station = new NurseStation({ engine, gatewayId, beds, clock, logger });
 *   pipeline.observe(station.vitals.observer);  station.register(http);
 *   station.start();   ...   station.stop();
 */
import { systemClock, type Clock } from '@wardlink/shared';
import type { AudioPauses } from '../../alarms/audio-pause.js';
import type { AlarmEngine } from '../../alarms/engine.js';
import type { SecurityLog } from '../../staff/index.js';
import type { AlarmLogger } from '../../alarms/types.js';
import { sendJson, type HttpServer } from '../server.js';
import { ackHandler } from './ack-route.js';
import { audioPauseHandler, audioResumeHandler } from './audio-route.js';
import { LatestVitals } from './latest-vitals.js';
import { LiveFeed, type KnownBeds } from './live-feed.js';
import type { PageDocument } from './page-document.js';
import { SseHub, type SseHubOptions } from './sse-hub.js';

export interface NurseStationOptions {
  engine: Pick<AlarmEngine, 'events' | 'activeAlarms' | 'acknowledge'>;
  gatewayId: string;
  /** Beds whose alarm sound a charge nurse paused. */
  audio: AudioPauses;
  /** The security audit (audio pauses are recorded there). */
  audit: SecurityLog;
  /** Registered beds and their patients, shown before their first reading. */
  beds?: KnownBeds;
  clock?: Clock;
  logger?: AlarmLogger;
  sse?: Omit<SseHubOptions, 'clock' | 'logger'>;
  vitalsEveryMs?: number;
}

export class NurseStation {
  readonly vitals = new LatestVitals();
  readonly hub: SseHub;
  private readonly feed: LiveFeed;
  /** The page and its CSP, loaded by the first request for it (page-document.ts). */
  private page: Promise<PageDocument> | null = null;

  constructor(private readonly opts: NurseStationOptions) {
    const clock = opts.clock ?? systemClock;
    this.hub = new SseHub({ ...opts.sse, clock, ...(opts.logger ? { logger: opts.logger } : {}) });
    this.feed = new LiveFeed(opts.engine, this.vitals, this.hub, { gatewayId: opts.gatewayId, audio: opts.audio, clock, ...(opts.beds ? { beds: opts.beds } : {}), ...(opts.vitalsEveryMs ? { vitalsEveryMs: opts.vitalsEveryMs } : {}) });
  }

  register(http: HttpServer): void {
    const servePage: Parameters<HttpServer['route']>[2] = async (_req, res) => {
      this.page ??= import('./page-document.js').then((m) => m.pageDocument(this.opts.gatewayId));
      const { html, csp } = await this.page;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store', 'content-security-policy': csp, 'x-content-type-options': 'nosniff' });
      res.end(html);
    };
    http.route('GET', '/', servePage, { access: 'public' });
    http.route('GET', '/nurse-station', servePage, { access: 'public' });
    http.route('GET', '/api/events', (req, res, _url, who) => this.hub.attach(req, res, this.feed.initial(), () => who!.stillValid()), { access: 'view' });
    http.route('GET', '/api/alarms', (_req, res) => sendJson(res, 200, { alarms: this.opts.engine.activeAlarms() }), { access: 'view' });
    http.route('POST', '/api/alarms/ack', ackHandler((alarmId, by) => this.opts.engine.acknowledge(alarmId, by)), { access: 'acknowledge' });
    const knownBed = (bedId: string) => bedId === '-' || (this.opts.beds?.() ?? []).some((b) => b.bedId === bedId);
    const audio = { pauses: this.opts.audio, knownBed, audit: this.opts.audit };
    http.route('POST', '/api/beds/audio-pause', audioPauseHandler(audio), { access: 'audio-pause' });
    http.route('POST', '/api/beds/audio-resume', audioResumeHandler(audio), { access: 'audio-pause' });
  }

  start(): void {
    this.hub.start();
    this.feed.start();
  }

  stop(): void {
    this.feed.stop();
    this.hub.close();
  }
}

export { LatestVitals, STALE_AFTER_MS, type BedVitals, type VitalSample } from './latest-vitals.js';
export { SseHub, sseFrame, type SseHubOptions, type SseMessage } from './sse-hub.js';
export { ackHandler, parseAck } from './ack-route.js';
export { readJsonBody } from '../json-body.js';
export * from './errors.js';
