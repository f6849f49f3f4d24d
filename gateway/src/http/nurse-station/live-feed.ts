/**
 * What the nurse-station pages receive over SSE:
 *
 *   hello   {gatewayId, nowMs, metrics}       once per connection: metric names, units, staleness
 *   alarms  {nowMs, alarms: ActiveAlarm[]}    the whole active list, priority then age, on every change
 *   event   AlarmEvent                        each phase, as it happens
 *   vitals  {nowMs, full, beds: BedVitals[]}  the full table at connect, then changed beds every second
 *   audio   {nowMs, maxMs, pauses}            the beds whose alarm sound is paused, on every change
 *
 * Engine listeners run on the ingest path: they only note that something changed and
 * schedule one flush for the next turn of the event loop; the flush does the work.
 */
import { METRICS, systemClock, unitLabel, type AlarmEvent, type Clock, type TimerHandle } from '@wardlink/shared';
import type { AudioPauses } from '../../alarms/audio-pause.js';
import type { AlarmEngine } from '../../alarms/engine.js';
import type { LatestVitals } from './latest-vitals.js';
import { STALE_AFTER_MS } from './latest-vitals.js';
import type { SseHub, SseMessage } from './sse-hub.js';

export type FeedEngine = Pick<AlarmEngine, 'events' | 'activeAlarms'>;
export type KnownBeds = () => readonly { bedId: string; patientId: string | null }[];

/** Short labels for the bed cards: `NIBP_SYS` -> `NIBP sys`, `SPO2` -> `SpO2`. */
const SHORT_LABELS: Readonly<Record<string, string>> = { SPO2: 'SpO2', ETCO2: 'EtCO2', TEMP: 'Temp' };

const METRIC_INFO = Object.fromEntries(
  Object.values(METRICS).map((m) => [
    m.id,
    {
      label: SHORT_LABELS[m.id] ?? m.id.replace(/_(SYS|DIA|MEAN)$/, (_, part: string) => ` ${part.toLowerCase()}`),
      name: m.displayName,
      unit: unitLabel(m.ucum),
      resolution: m.resolution,
      staleAfterMs: STALE_AFTER_MS[m.id],
    },
  ]),
);

export class LiveFeed {
  private pendingEvents: AlarmEvent[] = [];
  private alarmsChanged = false;
  private scheduled = false;
  private timer: TimerHandle | null = null;
  private offs: (() => void)[] = [];
  private readonly clock: Clock;

  constructor(
    private readonly engine: FeedEngine,
    private readonly vitals: LatestVitals,
    private readonly hub: SseHub,
    private readonly opts: { gatewayId: string; audio: AudioPauses; beds?: KnownBeds; clock?: Clock; vitalsEveryMs?: number },
  ) {
    this.clock = opts.clock ?? systemClock;
  }

  start(): void {
    if (this.offs.length > 0) return;
    this.offs = [
      this.engine.events.on('event', (event) => {
        if (this.hub.clientCount === 0) return;
        this.pendingEvents.push(event);
        this.alarmsChanged = true;
        this.schedule();
      }),
      this.opts.audio.on(() => this.hub.broadcast(this.audioMessage())),
    ];
    this.timer = this.clock.setInterval(() => {
      this.opts.audio.expire();
      this.pushVitals();
    }, this.opts.vitalsEveryMs ?? 1000).unref();
  }

  stop(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.timer?.cancel();
    this.timer = null;
  }

  /** The messages a newly connected page starts from. */
  initial(): SseMessage[] {
    const nowMs = this.clock.now();
    return [
      { event: 'hello', data: { gatewayId: this.opts.gatewayId, nowMs, metrics: METRIC_INFO } },
      { event: 'alarms', data: { nowMs, alarms: this.engine.activeAlarms() } },
      { event: 'vitals', data: { nowMs, full: true, beds: this.vitals.snapshot(this.opts.beds?.() ?? []) } },
      this.audioMessage(),
    ];
  }

  private audioMessage(): SseMessage {
    return { event: 'audio', data: { nowMs: this.clock.now(), maxMs: this.opts.audio.maxPauseMs, pauses: this.opts.audio.active() } };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const events = this.pendingEvents;
    this.pendingEvents = [];
    for (const event of events) this.hub.broadcast({ event: 'event', data: event });
    if (this.alarmsChanged) {
      this.alarmsChanged = false;
      this.hub.broadcast({ event: 'alarms', data: { nowMs: this.clock.now(), alarms: this.engine.activeAlarms() } });
    }
  }

  private pushVitals(): void {
    const beds = this.vitals.takeChanged();
    if (beds.length > 0) this.hub.broadcast({ event: 'vitals', data: { nowMs: this.clock.now(), full: false, beds } });
  }
}
