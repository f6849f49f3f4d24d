/** IHE PCD-04 (ORU^R40) to the alarm manager. See docs/interop.md. */
export { Pcd04Reporter, type Pcd04ReporterOptions, type Pcd04Status } from './reporter.js';
export { pcd04Settings, type Pcd04Config, type Pcd04Settings } from './config.js';
export { buildOruR40, buildKeepAlive, hl7TimeMs, type Pcd04Addressing, type Pcd04Place } from './message.js';
export { alertOf, EVENT_PHASE, PRIORITY_CODE, type Pcd04Alert } from './alert.js';
export { readAnswer, type ManagerAnswer } from './answer.js';
export { PCD04_ERROR_CODES, Pcd04DeliveryError, type Pcd04ErrorCode } from './errors.js';
