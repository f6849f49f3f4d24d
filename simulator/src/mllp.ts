/** MLLP framing (HL7 over serial and TCP): 0x0B, the message, 0x1C 0x0D. */
export const MLLP_START = 0x0b;
export const MLLP_END = Buffer.from([0x1c, 0x0d]);

export function mllpFrame(message: string): Buffer {
  return Buffer.concat([Buffer.from([MLLP_START]), Buffer.from(message, 'utf8'), MLLP_END]);
}
