/**
 * Merges the beds' cursors into one stream in device-time order (ties by bed index), with
 * a binary min-heap: O(log beds) per record.
 */
import type { BedCursor } from './bed-cursor.js';

function before(a: BedCursor, b: BedCursor): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.bed.index < b.bed.index);
}

export function* mergeByTime(cursors: BedCursor[]): Generator<BedCursor> {
  const heap = cursors.filter((c) => c.next());
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
  while (heap.length > 0) {
    const top = heap[0]!;
    yield top;
    if (!top.next()) {
      const last = heap.pop()!;
      if (heap.length === 0) return;
      heap[0] = last;
    }
    siftDown(0);
  }
}
