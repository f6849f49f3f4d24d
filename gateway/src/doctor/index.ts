/** `wardlink-gateway doctor`: checks a gateway box end to end (README "Checking a box"). */
export { runDoctor, type DoctorInput, type DoctorOutcome } from './run.js';
export { formatReport } from './format.js';
export { DoctorFailedError } from './errors.js';
export { CHECK_CODES, type CheckCode, type CheckResult, type CheckStatus, type DoctorReport } from './types.js';
export { ESTIMATE_BYTES_PER_READING, ESTIMATE_READINGS_PER_S_PER_DEVICE } from './check-disk.js';
