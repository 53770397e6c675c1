/**
 * A bounded multi-producer, multi-consumer ring of fixed-size job descriptors in a
 * SharedArrayBuffer (Vyukov's sequence-per-slot design, with batch reserve and batch claim).
 *
 * Every slot starts with a sequence word that says whose turn it is: `seq === pos` means free
 * for the producer of lap `pos`, `seq === pos + 1` means published for consumers, and a consumer
 * hands it back as `pos + capacity`. Head and tail only move by compare-and-swap, so a slot is
 * owned by exactly one producer and then exactly one consumer: no job is lost or taken twice.
 * Positions are 32-bit and wrap; all comparisons use signed differences, which stay correct as
 * long as the capacity is far below 2^31.
 */

/** Words per slot: the sequence word plus seven descriptor fields (32 bytes, two per cache line). */
export const SLOT_WORDS = 8;

/**
 * Descriptor field indices inside a slot (word 0 is the sequence). `job` holds the kind id in its
 * low 8 bits and the job's index within its submitted group above them.
 */
export const F = { handle: 1, gen: 2, job: 3, offset: 4, bytes: 5, chars: 6, enqueuedUs: 7 } as const;

/** Bits of the `job` word that hold the kind id; the group index sits above them. */
export const KIND_BITS = 8;
export const KIND_MASK = (1 << KIND_BITS) - 1;
/** Largest group a descriptor can index: 2^24 jobs. */
export const MAX_GROUP = 1 << (32 - KIND_BITS);

/** Head and tail live on separate 64-byte cache lines so producers and consumers do not share one. */
const HEAD = 0;
const TAIL = 16;
const HEADER_WORDS = 32;

export function ringBytes(capacity: number): number {
  return (HEADER_WORDS + capacity * SLOT_WORDS) * 4;
}

export class Ring {
  readonly capacity: number;
  readonly mask: number;
  readonly header: Int32Array;
  readonly slots: Int32Array;
  /** First position of the last successful `reserve` or `claim`; avoids allocating a tuple per call. */
  at = 0;

  constructor(
    readonly buffer: SharedArrayBuffer,
    byteOffset = 0,
    capacity?: number,
  ) {
    const cap = capacity ?? (buffer.byteLength - byteOffset) / 4 / SLOT_WORDS - HEADER_WORDS / SLOT_WORDS;
    if (!Number.isInteger(cap) || cap < 2 || (cap & (cap - 1)) !== 0 || cap > 1 << 24) {
      throw new RangeError(`ring capacity must be a power of two between 2 and 2^24, got ${cap}`);
    }
    this.capacity = cap;
    this.mask = cap - 1;
    this.header = new Int32Array(buffer, byteOffset, HEADER_WORDS);
    this.slots = new Int32Array(buffer, byteOffset + HEADER_WORDS * 4, cap * SLOT_WORDS);
  }

  /** Allocates and initialises a ring; other threads attach with `new Ring(buffer)`. */
  static create(capacity: number): Ring {
    const ring = new Ring(new SharedArrayBuffer(ringBytes(capacity)), 0, capacity);
    for (let i = 0; i < capacity; i++) ring.slots[i * SLOT_WORDS] = i;
    return ring;
  }

  /** Index of a slot's first word for position `pos`. */
  base(pos: number): number {
    return (pos & this.mask) * SLOT_WORDS;
  }

  /**
   * Reserves up to `n` consecutive free slots for writing and returns how many (0 when full).
   * The caller fills their descriptor fields, then calls `publish(this.at, count)`.
   */
  reserve(n: number): number {
    const { header, slots } = this;
    for (;;) {
      const pos = Atomics.load(header, TAIL);
      let k = 0;
      while (k < n && Atomics.load(slots, this.base(pos + k)) === ((pos + k) | 0)) k++;
      if (k === 0) {
        const seq = Atomics.load(slots, this.base(pos));
        if (((seq - pos) | 0) < 0) return 0;
        continue;
      }
      if (Atomics.compareExchange(header, TAIL, pos, (pos + k) | 0) === pos) {
        this.at = pos;
        return k;
      }
    }
  }

  /** Makes reserved slots visible to consumers. */
  publish(pos: number, count: number): void {
    for (let i = 0; i < count; i++) Atomics.store(this.slots, this.base(pos + i), (pos + i + 1) | 0);
  }

  /**
   * Claims up to `n` consecutive published slots and returns how many (0 when empty). The caller
   * reads their fields, then hands them back with `release(this.at, count)`.
   */
  claim(n: number): number {
    const { header, slots } = this;
    for (;;) {
      const pos = Atomics.load(header, HEAD);
      let k = 0;
      while (k < n && Atomics.load(slots, this.base(pos + k)) === ((pos + k + 1) | 0)) k++;
      if (k === 0) {
        const seq = Atomics.load(slots, this.base(pos));
        if (((seq - (pos + 1)) | 0) < 0) return 0;
        continue;
      }
      if (Atomics.compareExchange(header, HEAD, pos, (pos + k) | 0) === pos) {
        this.at = pos;
        return k;
      }
    }
  }

  /** Returns claimed slots to producers for the next lap. */
  release(pos: number, count: number): void {
    for (let i = 0; i < count; i++) {
      Atomics.store(this.slots, this.base(pos + i), (pos + i + this.capacity) | 0);
    }
  }

  /** True once the consumer of position `pos` has released it. */
  isReleased(pos: number): boolean {
    return ((Atomics.load(this.slots, this.base(pos)) - (pos + this.capacity)) | 0) >= 0;
  }

  /** Position of the next slot to be written. */
  tail(): number {
    return Atomics.load(this.header, TAIL);
  }

  /** Jobs published or being written and not yet claimed (a snapshot). */
  size(): number {
    const n = (Atomics.load(this.header, TAIL) - Atomics.load(this.header, HEAD)) | 0;
    return n < 0 ? 0 : Math.min(n, this.capacity);
  }

  /** A field of the oldest published, unclaimed job, or `undefined` when there is none. */
  peek(field: number): number | undefined {
    const pos = Atomics.load(this.header, HEAD);
    const base = this.base(pos);
    if (Atomics.load(this.slots, base) !== ((pos + 1) | 0)) return undefined;
    return this.slots[base + field];
  }
}
