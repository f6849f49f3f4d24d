/**
 * Strings as small integers for the duplicate window's typed arrays (recent-ring.ts): a
 * device id or a metric key is stored once, and each entry holds its number. An id is held
 * while an entry refers to it and freed with the last one, so it is never reused while an
 * entry could still read it as the old string (that would make a duplicate of a reading
 * that is not one), and ids stay as few as the strings in the window.
 */
export class RefInterner {
  private readonly ids = new Map<string, number>();
  private readonly names: (string | undefined)[] = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];

  /** The string's id, -1 when no entry holds it. */
  idOf(s: string): number {
    return this.ids.get(s) ?? -1;
  }

  /** The string's id, held once more (released by `release`). */
  acquire(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.free.pop() ?? this.names.length;
      this.ids.set(s, id);
      this.names[id] = s;
      this.refs[id] = 0;
    }
    this.refs[id]! += 1;
    return id;
  }

  release(id: number): void {
    const left = (this.refs[id] ?? 0) - 1;
    if (left < 0) throw new Error(`interned id ${id} released more often than acquired`);
    this.refs[id] = left;
    if (left > 0) return;
    this.ids.delete(this.names[id]!);
    this.names[id] = undefined;
    this.free.push(id);
  }

  /** How many strings are held. */
  get size(): number {
    return this.ids.size;
  }
}
