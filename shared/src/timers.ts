/**
 * The one place Wardlink code gets time and schedules delays. Everything that waits
 * (batch flushes, alarm condition delays, backoff, retention schedules) goes through a
 * `Clock`, so tests can drive it with vitest's fake timers or a manual clock.
 */
export interface TimerHandle {
  cancel(): void;
  /** Lets the process exit while the timer is pending (Node's unref). */
  unref(): TimerHandle;
}

export interface Clock {
  /** Wall-clock time, UTC epoch ms. */
  now(): number;
  /** A monotonic reading in ms, for measuring durations. */
  monotonicMs(): number;
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  setInterval(fn: () => void, intervalMs: number): TimerHandle;
}

function wrap(handle: ReturnType<typeof setTimeout>, clear: (h: ReturnType<typeof setTimeout>) => void): TimerHandle {
  const timer: TimerHandle = {
    cancel: () => clear(handle),
    unref: () => {
      handle.unref?.();
      return timer;
    },
  };
  return timer;
}

/**
 * The real clock. It looks up the global timer functions at call time, so vitest's
 * `vi.useFakeTimers()` (which replaces the globals, and Date and performance) drives it.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout: (fn, delayMs) => wrap(setTimeout(fn, Math.max(0, delayMs)), (h) => clearTimeout(h)),
  setInterval: (fn, intervalMs) => wrap(setInterval(fn, Math.max(1, intervalMs)), (h) => clearInterval(h)),
};

/** Resolves after `ms` on the given clock; rejects with the signal's reason if aborted. */
export function sleep(ms: number, clock: Clock = systemClock, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
