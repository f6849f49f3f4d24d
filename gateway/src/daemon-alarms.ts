/**
 * The daemon's alarm wiring: the alarm service (engine, audit) with its IHE PCD-04 feed to
 * the hospital's alarm manager, and how alarms reach nurses with no internet: MQTT topics
 * on the embedded broker (and the optional external forward), audio pauses and the
 * nurse-station page.
 */
import type { Clock } from '@wardlink/shared';
import type { Logger } from 'pino';
import { AudioPauses } from './alarms/audio-pause.js';
import { AlarmDelivery } from './alarms/delivery/alarm-delivery.js';
import type { AlarmBroker } from './alarms/delivery/local-publisher.js';
import { Pcd04Reporter, pcd04Settings } from './alarms/pcd04/index.js';
import { openAlarmService, type AlarmService } from './alarms/service.js';
import type { BufferWriter } from './buffer/writer.js';
import type { GatewayConfig } from './config/schema.js';
import type { GatewayDatabase } from './db.js';
import { NurseStation } from './http/nurse-station/index.js';
import type { WebPort } from './http/web-port.js';
import type { IngestPipeline } from './ingest/pipeline.js';

export interface DaemonAlarms {
  alarms: AlarmService;
  /** The IHE PCD-04 feed to the alarm manager; null when `alarms.pcd04` is not configured. */
  pcd04: Pcd04Reporter | null;
}

export interface AlarmWiring {
  database: GatewayDatabase;
  writer: BufferWriter;
  clock: Clock;
  logger: Logger;
}

export function openDaemonAlarms(config: GatewayConfig, w: AlarmWiring): DaemonAlarms {
  const { database: { store, registry }, clock, logger } = w;
  // Alarms to the hospital's alarm manager (nurse call, phones), on the hospital net:
  // subscribed before the restart's phases (an alarm ended at the restart is reported).
  const pcd04 = config.alarms.pcd04 ? pcd04Settings(config.alarms.pcd04) : null;
  const pointOfCare = config.admissions.adt.pointOfCare ?? config.gatewayId;
  const subscribed: { pcd04: Pcd04Reporter | null } = { pcd04: null };
  // Alarms are evaluated in memory on the ingest path; their events reach the buffer
  // through the writer but nothing on the evaluation path waits for the disk.
  const alarms = openAlarmService(store.db, {
    onEngine: (engine) => {
      if (!pcd04) return;
      subscribed.pcd04 = new Pcd04Reporter({
        db: store.db,
        engine,
        settings: pcd04,
        place: (bedId) => ({ pointOfCare, bedLabel: bedId === '-' ? null : (registry.listBeds().find((b) => b.bedId === bedId)?.label ?? bedId) }),
        fallbackPointOfCare: pointOfCare,
        clock,
        logger,
      });
    },
    ...config.alarms.engine,
    clock,
    logger,
    sink: w.writer,
    deviceInfo: (id) => registry.device(id),
    patientOf: (bed) => registry.patientOf(bed),
  });
  return { alarms, pcd04: subscribed.pcd04 };
}

export interface NurseAlarms {
  delivery: AlarmDelivery;
  audio: AudioPauses;
  nurseStation: NurseStation;
}

export interface NurseAlarmWiring {
  alarms: AlarmService;
  database: GatewayDatabase;
  /** The embedded MQTT broker the alarm topics are published on. */
  broker: AlarmBroker;
  pipeline: IngestPipeline;
  web: WebPort;
  clock: Clock;
  logger: Logger;
}

/**
 * Alarm delivery with no internet: MQTT topics on the embedded broker (and the optional
 * external forward), and the nurse-station page on the web port. Their listeners only queue.
 */
export function openNurseAlarms(config: GatewayConfig, w: NurseAlarmWiring): NurseAlarms {
  const { clock, logger, web } = w;
  const engine = w.alarms.engine;
  const beds = () => w.database.registry.listBeds();
  const delivery = new AlarmDelivery({ engine, broker: w.broker, forward: config.alarms.forward, beds: () => beds().map((b) => b.bedId), clock, logger });
  const sse = { maxClients: config.http.maxStreams, maxClientsPerAddress: config.http.maxStreamsPerAddress };
  const audio = new AudioPauses(clock, config.alarms.audioPauseMaxMs);
  engine.events.on('event', audio.onAlarmEvent);
  const nurseStation = new NurseStation({ engine, gatewayId: config.gatewayId, audio, audit: web.staff.audit, beds, clock, logger, sse });
  w.pipeline.observe(nurseStation.vitals.observer);
  nurseStation.register(web.http);
  return { delivery, audio, nurseStation };
}
