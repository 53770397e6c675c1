/**
 * Incremental HTTP/1.1 response framing over raw bytes: just enough to know the status, where the
 * response ends, and whether the connection may be reused. Working on bytes instead of decoded
 * strings is what lets the plain-HTTP mode outrun general-purpose clients.
 */
const CR = 13;
const LF = 10;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' | 'until-close' | 'done';

export class ResponseParser {
  status = 0;
  keepAlive = true;
  private state: State = 'head';
  private head: Uint8Array | null = null;
  private remaining = 0;
  private lineLength = 0;
  private inExtension = false;

  constructor(private readonly bodyless = false) {}

  /** True once the whole response has arrived. */
  get done(): boolean {
    return this.state === 'done';
  }

  /** True when the body ends only at connection close (no length, not chunked). */
  get endsAtClose(): boolean {
    return this.state === 'until-close';
  }

  reset(): void {
    this.status = 0;
    this.keepAlive = true;
    this.state = 'head';
    this.head = null;
  }

  feed(data: Uint8Array): void {
    let i = 0;
    if (this.state === 'head') {
      i = this.feedHead(data);
      if (i < 0) return;
    }
    while (i < data.length && this.state !== 'done') i = this.step(data, i);
  }

  /** Returns the offset where the body starts, or -1 while the head is incomplete. */
  private feedHead(data: Uint8Array): number {
    const prev = this.head?.length ?? 0;
    const buf = prev === 0 ? data : concat(this.head!, data);
    const end = findHeadEnd(buf, Math.max(0, prev - 3));
    if (end < 0) {
      this.head = buf === data ? data.slice() : buf;
      return -1;
    }
    this.head = null;
    this.parseHead(buf, end);
    return end - prev;
  }

  private parseHead(buf: Uint8Array, end: number): void {
    this.remaining = 0;
    this.status = (buf[9] - 48) * 100 + (buf[10] - 48) * 10 + (buf[11] - 48);
    this.keepAlive = buf[7] === 49; // HTTP/1.1 defaults to keep-alive, 1.0 does not
    let length = -1;
    let chunked = false;
    for (let line = indexOfLf(buf, 0, end) + 1; line < end - 2; line = indexOfLf(buf, line, end) + 1) {
      if (headerIs(buf, line, 'content-length:')) length = parseDecimal(buf, line + 15);
      else if (headerIs(buf, line, 'transfer-encoding:')) chunked = valueHas(buf, line + 18, 'chunked');
      else if (headerIs(buf, line, 'connection:')) this.keepAlive = !valueHas(buf, line + 11, 'close');
    }
    const noBody = this.bodyless || this.status === 204 || this.status === 304 || this.status < 200;
    if (noBody || length === 0) this.state = 'done';
    else if (chunked) this.state = 'chunk-size';
    else if (length > 0) {
      this.state = 'length';
      this.remaining = length;
    } else {
      this.state = 'until-close';
      this.keepAlive = false;
    }
  }

  private step(data: Uint8Array, i: number): number {
    switch (this.state) {
      case 'length':
      case 'chunk-data': {
        const take = Math.min(this.remaining, data.length - i);
        this.remaining -= take;
        if (this.remaining === 0) this.state = this.state === 'length' ? 'done' : 'chunk-crlf';
        return i + take;
      }
      case 'chunk-size':
        return this.stepChunkSize(data, i);
      case 'chunk-crlf':
        if (data[i] === LF) this.state = 'chunk-size';
        return i + 1;
      case 'trailer':
        if (data[i] === LF) {
          if (this.lineLength === 0) this.state = 'done';
          this.lineLength = 0;
        } else if (data[i] !== CR) this.lineLength++;
        return i + 1;
      default:
        return data.length;
    }
  }

  private stepChunkSize(data: Uint8Array, i: number): number {
    const c = data[i];
    if (c === LF) {
      this.state = this.remaining === 0 ? 'trailer' : 'chunk-data';
      this.inExtension = false;
      this.lineLength = 0;
      return i + 1;
    }
    // Chunk extensions (after ';') and the CR are skipped: only the leading hex digits count.
    const digit = this.inExtension ? -1 : hexValue(c);
    if (digit >= 0) this.remaining = this.remaining * 16 + digit;
    else if (c !== CR) this.inExtension = true;
    return i + 1;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function findHeadEnd(buf: Uint8Array, from: number): number {
  for (let i = from; i + 3 < buf.length; i++) {
    if (buf[i] === CR && buf[i + 1] === LF && buf[i + 2] === CR && buf[i + 3] === LF) return i + 4;
  }
  return -1;
}

function indexOfLf(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === LF) return i;
  return end;
}

function headerIs(buf: Uint8Array, at: number, lowerName: string): boolean {
  for (let k = 0; k < lowerName.length; k++) {
    if ((buf[at + k] | 0x20) !== lowerName.charCodeAt(k)) return false;
  }
  return true;
}

function valueHas(buf: Uint8Array, at: number, lowerWord: string): boolean {
  let line = '';
  for (let i = at; i < buf.length && buf[i] !== CR; i++) line += String.fromCharCode(buf[i] | 0x20);
  return line.includes(lowerWord);
}

function parseDecimal(buf: Uint8Array, at: number): number {
  let i = at;
  while (buf[i] === 32 || buf[i] === 9) i++;
  let value = 0;
  while (buf[i] >= 48 && buf[i] <= 57) value = value * 10 + buf[i++] - 48;
  return value;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}
