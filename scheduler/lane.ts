import { F, KIND_BITS, KIND_MASK, Ring, ringBytes } from './ring';

/**
 * One priority lane: a descriptor ring plus a shared byte arena holding the payload text as
 * UTF-8, so a job crosses threads as a 32-byte descriptor instead of a structured clone.
 *
 * One thread produces into a lane (the scheduler's, or a benchmark's); any number consume.
 * The arena is a circular byte buffer written in position order; bytes are reclaimed lazily,
 * only when the producer runs short, by walking forward over positions consumers have released.
 */

/** Where a lane's consumer writes what it took, as parallel arrays (no object per job). */
export interface JobBatch {
  n: number;
  readonly handles: Int32Array;
  readonly gens: Int32Array;
  readonly kinds: Int32Array;
  /** Each job's index within the group it was submitted with. */
  readonly indices: Int32Array;
  readonly enqueuedUs: Int32Array;
  readonly chars: Int32Array;
  readonly payloads: string[];
}

export function createBatch(max: number): JobBatch {
  return {
    n: 0,
    handles: new Int32Array(max),
    gens: new Int32Array(max),
    kinds: new Int32Array(max),
    indices: new Int32Array(max),
    enqueuedUs: new Int32Array(max),
    chars: new Int32Array(max),
    payloads: new Array<string>(max).fill(''),
  };
}

/** The shared memory behind a lane, as posted to workers. */
export interface LaneBuffers {
  ring: SharedArrayBuffer;
  arena: SharedArrayBuffer;
}

const SHORT_TEXT = 64;
/** Most jobs `offerMany` reserves at once, so consumers see the first ones early. */
const RUN = 256;

/** Node's Buffer codec entry points (Bun implements them); skip `write`'s argument juggling. */
interface BufferText {
  utf8Write(text: string, offset: number): number;
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

export class Lane {
  readonly ring: Ring;
  private readonly bytes: BufferText;
  private readonly u8: Uint8Array;
  private readonly arenaSize: number;
  // Producer-side bookkeeping (only the producing thread touches these).
  private readonly startAt: Int32Array;
  private writeOff = 0;
  private limit: number;
  private reclaimPos = 0;

  constructor(readonly buffers: LaneBuffers) {
    this.ring = new Ring(buffers.ring);
    this.bytes = Buffer.from(buffers.arena) as unknown as BufferText;
    this.u8 = new Uint8Array(buffers.arena);
    this.arenaSize = buffers.arena.byteLength;
    this.startAt = new Int32Array(this.ring.capacity);
    this.limit = this.arenaSize;
    this.reclaimPos = this.ring.tail();
  }

  static create(capacity: number, arenaBytes: number): Lane {
    const ring = Ring.create(capacity);
    return new Lane({ ring: ring.buffer, arena: new SharedArrayBuffer(arenaBytes) });
  }

  static bytesFor(capacity: number, arenaBytes: number): number {
    return ringBytes(capacity) + arenaBytes;
  }

  /** Largest payload (in UTF-16 units) a lane of this arena size always accepts when empty. */
  static maxChars(arenaBytes: number): number {
    return Math.floor((arenaBytes - 1) / 3);
  }

  /**
   * Publishes one job; false when the ring or the arena is full (the caller reports "busy").
   * `index` is the job's position in its submitted group.
   */
  offer(handle: number, gen: number, kind: number, payload: string, enqueuedUs: number, index = 0): boolean {
    // Three bytes per UTF-16 unit always suffice; measure exactly only when that bound does not fit.
    const bound = payload.length * 3;
    if (this.writeOff + bound > this.limit && !this.makeRoom(Buffer.byteLength(payload, 'utf8'))) return false;
    const ring = this.ring;
    if (ring.reserve(1) === 0) return false;
    const pos = ring.at;
    const off = this.writeOff;
    const written = this.encode(payload, off);
    this.writeOff = off + written;
    this.describe(pos, handle, gen, kind | (index << KIND_BITS), off, written, payload.length, enqueuedUs);
    ring.publish(pos, 1);
    return true;
  }

  /**
   * Publishes `payloads[from .. from + count)` as jobs of one group (indices `from` onwards), a
   * run at a time: one reservation and one publication per run. Returns how many it published,
   * in order; fewer than `count` means the ring or the arena filled up.
   */
  offerMany(
    handle: number,
    gen: number,
    kind: number,
    payloads: readonly string[],
    from: number,
    count: number,
    enqueuedUs: number,
  ): number {
    const ring = this.ring;
    let done = 0;
    while (done < count) {
      const start = from + done;
      const fits = this.roomFor(payloads, start, Math.min(count - done, RUN));
      const k = fits === 0 ? 0 : ring.reserve(fits);
      if (k === 0) break;
      const pos = ring.at;
      let off = this.writeOff;
      for (let i = 0; i < k; i++) {
        const payload = payloads[start + i];
        const written = this.encode(payload, off);
        this.describe(pos + i, handle, gen, kind | ((start + i) << KIND_BITS), off, written, payload.length, enqueuedUs);
        off += written;
      }
      this.writeOff = off;
      ring.publish(pos, k);
      done += k;
    }
    return done;
  }

  /** How many of `want` payloads from `start` fit the arena back to back (halving until they do). */
  private roomFor(payloads: readonly string[], start: number, want: number): number {
    let chars = 0;
    for (let i = 0; i < want; i++) chars += payloads[start + i].length;
    if (this.writeOff + chars * 3 <= this.limit) return want;
    for (; want > 0; want >>= 1) {
      let bytes = 0;
      for (let i = 0; i < want; i++) bytes += Buffer.byteLength(payloads[start + i], 'utf8');
      if (this.makeRoom(bytes)) return want;
    }
    return 0;
  }

  private describe(
    pos: number,
    handle: number,
    gen: number,
    job: number,
    off: number,
    bytes: number,
    chars: number,
    enqueuedUs: number,
  ): void {
    const ring = this.ring;
    this.startAt[pos & ring.mask] = off;
    const s = ring.slots;
    const b = ring.base(pos);
    s[b + F.handle] = handle;
    s[b + F.gen] = gen;
    s[b + F.job] = job;
    s[b + F.offset] = off;
    s[b + F.bytes] = bytes;
    s[b + F.chars] = chars;
    s[b + F.enqueuedUs] = enqueuedUs;
  }

  /** Short ASCII text is copied by hand: cheaper than a native call for a few bytes. */
  private encode(payload: string, off: number): number {
    const len = payload.length;
    if (len <= SHORT_TEXT) {
      const u8 = this.u8;
      let i = 0;
      for (; i < len; i++) {
        const c = payload.charCodeAt(i);
        if (c > 0x7f) break;
        u8[off + i] = c;
      }
      if (i === len) return len;
    }
    return this.bytes.utf8Write(payload, off);
  }

  /** Reclaims arena bytes behind released positions and finds `need` contiguous free bytes. */
  private makeRoom(need: number): boolean {
    const ring = this.ring;
    const tail = ring.tail();
    while (this.reclaimPos !== tail && ring.isReleased(this.reclaimPos)) this.reclaimPos = (this.reclaimPos + 1) | 0;
    if (this.reclaimPos === tail) {
      this.writeOff = 0;
      this.limit = this.arenaSize;
      return need <= this.arenaSize;
    }
    const liveStart = this.startAt[this.reclaimPos & ring.mask];
    if (this.writeOff >= liveStart) {
      if (this.writeOff + need <= this.arenaSize) {
        this.limit = this.arenaSize;
        return true;
      }
      if (need >= liveStart) return false;
      this.writeOff = 0;
    }
    // Live bytes now sit ahead of the write offset; keep a gap so "full" never looks "empty".
    this.limit = liveStart - 1;
    return this.writeOff + need <= this.limit;
  }

  /**
   * Claims up to `max` jobs into `batch` (appending after `batch.n`), decodes their payloads and
   * releases the slots. Returns how many were taken.
   */
  take(max: number, batch: JobBatch): number {
    const ring = this.ring;
    const k = ring.claim(max);
    if (k === 0) return 0;
    const pos = ring.at;
    const s = ring.slots;
    let runStart = -1;
    let runEnd = 0;
    let runChars = 0;
    let runFirst = batch.n;
    for (let i = 0; i < k; i++) {
      const b = ring.base(pos + i);
      const j = batch.n + i;
      batch.handles[j] = s[b + F.handle];
      batch.gens[j] = s[b + F.gen];
      const job = s[b + F.job];
      batch.kinds[j] = job & KIND_MASK;
      batch.indices[j] = job >>> KIND_BITS;
      batch.enqueuedUs[j] = s[b + F.enqueuedUs];
      const off = s[b + F.offset];
      if (off !== runEnd || runStart < 0) {
        if (runStart >= 0) this.decodeRun(batch, runFirst, j, runStart, runEnd, runChars);
        runStart = off;
        runEnd = off;
        runChars = 0;
        runFirst = j;
      }
      runEnd += s[b + F.bytes];
      runChars += batch.chars[j] = s[b + F.chars];
    }
    this.decodeRun(batch, runFirst, batch.n + k, runStart, runEnd, runChars);
    ring.release(pos, k);
    batch.n += k;
    return k;
  }

  /**
   * Decodes a run of payloads stored back to back with one native call, then cuts it into
   * per-job strings. The decoded text has the original lengths in UTF-16 units because the
   * encoder maps every unit (a lone surrogate becomes U+FFFD) to exactly one decoded unit.
   */
  private decodeRun(batch: JobBatch, from: number, to: number, start: number, end: number, chars: number): void {
    const text = end - start === chars ? this.bytes.latin1Slice(start, end) : this.bytes.utf8Slice(start, end);
    let c = 0;
    for (let j = from; j < to; j++) {
      const len = batch.chars[j];
      batch.payloads[j] = text.substring(c, c + len);
      c += len;
    }
  }

  /** Jobs waiting in this lane (a snapshot). */
  size(): number {
    return this.ring.size();
  }

  /** Enqueue time (µs on the scheduler clock) of the oldest waiting job, if any. */
  oldestEnqueuedUs(): number | undefined {
    return this.ring.peek(F.enqueuedUs);
  }
}
