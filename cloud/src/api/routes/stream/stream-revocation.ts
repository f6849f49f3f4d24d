/**
 * Ends the streams whose reader was revoked (or whose token was rotated away): the hub
 * checks, every `revalidateMs`, the tokens the open streams were opened with, in ONE query
 * on the primary, and a stream whose token is no longer valid gets `event: revoked` and is
 * closed. Kept apart from stream-hub.ts, which pushes data; this only takes streams away.
 */
import { sseFrame, type SseStream } from './sse-stream.js';
import type { HospitalState, StreamHubDeps } from './stream-hub-types.js';

export class StreamRevocation {
  /** The token hash each stream was opened with. */
  private readonly tokenOf = new WeakMap<SseStream, string>();
  private revalidating = false;

  constructor(
    private readonly hospitals: ReadonlyMap<string, HospitalState>,
    private readonly deps: Pick<StreamHubDeps, 'validTokens' | 'logger'>,
  ) {}

  /** The stream was opened with this token: it is closed once the token is no longer valid. */
  track(stream: SseStream, tokenHash: string): void {
    this.tokenOf.set(stream, tokenHash);
  }

  /** Closes the streams whose token no longer belongs to a reader that may read. */
  async endRevoked(): Promise<number> {
    if (this.revalidating || !this.deps.validTokens) return 0;
    const hashes = new Set<string>();
    for (const state of this.hospitals.values()) for (const s of state.streams) if (this.tokenOf.has(s)) hashes.add(this.tokenOf.get(s)!);
    if (hashes.size === 0) return 0;
    this.revalidating = true;
    let valid: ReadonlySet<string>;
    try {
      valid = await this.deps.validTokens([...hashes]);
    } catch (err) {
      // The database is away: streams stay (they carry nothing new meanwhile either).
      this.deps.logger.warn({ err }, 'checking the stream tokens failed; retrying');
      return 0;
    } finally {
      this.revalidating = false;
    }
    let ended = 0;
    for (const state of this.hospitals.values()) {
      for (const s of [...state.streams]) {
        const hash = this.tokenOf.get(s);
        if (hash === undefined || valid.has(hash)) continue;
        s.send(sseFrame('revoked', { reason: 'the reader token was revoked or rotated' }));
        s.end();
        ended++;
      }
    }
    if (ended > 0) this.deps.logger.info({ ended }, 'streams of revoked reader tokens closed');
    return ended;
  }
}
