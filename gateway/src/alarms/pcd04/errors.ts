/**
 * Why a PCD-04 message did not get through this time. None of them loses the message:
 * it stays at the head of the outbox and is sent again with backoff. Logged with a rate
 * limit and counted by `code` (`Pcd04Sender.counters`).
 */
import { WardlinkError } from '@wardlink/shared';

export const PCD04_ERROR_CODES = ['WL_PCD04_NAK', 'WL_PCD04_ACK_TIMEOUT', 'WL_PCD04_UNREACHABLE', 'WL_PCD04_DISCONNECTED', 'WL_PCD04_BAD_ANSWER'] as const;
export type Pcd04ErrorCode = (typeof PCD04_ERROR_CODES)[number];

export class Pcd04DeliveryError extends WardlinkError {
  declare readonly code: Pcd04ErrorCode;
  constructor(code: Pcd04ErrorCode, message: string, detail: Record<string, unknown> = {}) {
    super(code, message, detail);
  }
}

export const nakError = (msa1: string, text: string, controlId: string) =>
  new Pcd04DeliveryError('WL_PCD04_NAK', `the alarm manager refused message ${controlId} (${msa1}${text ? `: ${text}` : ''}); sending it again with backoff`, { msa1, controlId });
export const ackTimeoutError = (controlId: string, ms: number) =>
  new Pcd04DeliveryError('WL_PCD04_ACK_TIMEOUT', `no answer to message ${controlId} within ${ms} ms; reconnecting and sending it again`, { controlId, ackTimeoutMs: ms });
export const unreachableError = (target: string, reason: string) =>
  new Pcd04DeliveryError('WL_PCD04_UNREACHABLE', `cannot connect to the alarm manager at ${target} (${reason}); retrying with backoff. Check alarms.pcd04.host/port/tls`, { target, reason });
export const disconnectedError = (target: string, reason: string) =>
  new Pcd04DeliveryError('WL_PCD04_DISCONNECTED', `the connection to the alarm manager at ${target} ended (${reason}); reconnecting`, { target, reason });
export const badAnswerError = (reason: string) => new Pcd04DeliveryError('WL_PCD04_BAD_ANSWER', `the alarm manager sent a frame that is not an HL7 ACK (${reason}); ignored`, { reason });
