/** The ward simulator: deterministic, seeded bedside data and the wire formats it speaks. */
export * from './types.js';
export { createWard, type Ward } from './ward.js';
export type { ScriptedEvent, ScriptedKind } from './script.js';
export type { CrossingOptions } from './ground-truth.js';
export { readingsOf } from './records.js';
export { INVALID_MARKER } from './metric-index.js';
export { JITTER_MAX_MS, CLOCK_OFFSET_MAX_MS, CLOCK_DRIFT_MAX_PPM, TICK_MS } from './device-clock.js';
export { BLOCK_TICKS, GUARD_TICKS, NO_SENSOR_AFTER_TICKS } from './schedule.js';
export { mulberry32 } from './prng.js';
export { SimulatorOptionError, UnknownBedError } from './errors.js';
export { deviceEui64, deviceSerialNumber } from './device-ids.js';
export { hl7Timestamp, asciiTimestamp } from './time-format.js';
export { toHl7Message, OBX_SUB_IDS, PCD01_PROFILE, MDS_OBSERVATION, MONITORING_SERVICE, type Hl7Options } from './hl7.js';
export { mllpFrame, MLLP_START, MLLP_END } from './mllp.js';
export { toMqttMessage, toMqttPayload, mqttTopic, type MqttPayload, type MqttFlagName } from './mqtt.js';
export { toAsciiLine, type AsciiFormat, type AsciiOptions } from './ascii.js';
export { asciiStatus, LOW_PERFUSION_PI, type AsciiStatus } from './ascii-status.js';
export { runLiveSummary, type LiveSummaryOptions, type LiveSummaryResult } from './live-summary.js';
