/**
 * The alarm manager's answer to one message: an HL7 ACK whose MSA-1 says accepted (AA,
 * CA) or refused (AE, AR, CE, CR), and whose MSA-2 names the message answered.
 */
import { MalformedFrameError } from '@wardlink/shared';
import { parseHl7Structure, type Hl7Segment } from '../../ingest/formats/hl7/index.js';

export interface ManagerAnswer {
  /** MSA-1. */
  code: string;
  /** True for AA and CA. */
  accepted: boolean;
  /** MSA-2: the MSH-10 of the message answered. */
  controlId: string;
  /** MSA-3 or ERR-8, for logs. */
  text: string;
}

const ACCEPTED = new Set(['AA', 'CA']);
const KNOWN = new Set(['AA', 'AE', 'AR', 'CA', 'CE', 'CR']);

function field(segment: Hl7Segment | undefined, n: number): string {
  return (segment?.fields[n] ?? '').split('^')[0] ?? '';
}

/** Reads an answer; throws MalformedFrameError for a frame that is not an ACK. */
export function readAnswer(text: string): ManagerAnswer {
  const message = parseHl7Structure(text);
  const msa = message.segments.find((s) => s.name === 'MSA');
  const code = field(msa, 1);
  if (!KNOWN.has(code)) throw new MalformedFrameError('the alarm manager answered without a valid MSA-1 (AA, AE, AR, CA, CE, CR)', { msa1: code.slice(0, 8) });
  const err = message.segments.find((s) => s.name === 'ERR');
  return { code, accepted: ACCEPTED.has(code), controlId: field(msa, 2), text: (msa?.fields[3] ?? err?.fields[8] ?? '').slice(0, 200) };
}
