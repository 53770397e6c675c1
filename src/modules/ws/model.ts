import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { errorCatalogue } from '../../lib/error-catalogue';
import { hasUnstorableText } from '../../lib/storable-text';
import { BenchmarkAnswer, BenchmarkBody, BenchmarkResult } from '../benchmark/model';
import { ChatTurn, RequestId, TurnFrame } from '../chat/model';

export const ChatFrame = Type.Composite([Type.Object({ type: Type.Literal('chat'), requestId: RequestId }), ChatTurn]);
export const StopFrame = Type.Object({ type: Type.Literal('stop'), requestId: RequestId });
// Past the safe integers a number no longer names one stream entry, and the shared buffer refuses it.
export const ResumeFrame = Type.Object({
  type: Type.Literal('resume'),
  requestId: RequestId,
  lastSeq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
});
export const BenchmarkFrame = Type.Composite([Type.Object({ type: Type.Literal('benchmark'), requestId: RequestId }), BenchmarkBody]);

export const ClientFrame = Type.Union([ChatFrame, StopFrame, ResumeFrame, BenchmarkFrame]);
export type ClientFrame = Static<typeof ClientFrame>;
export type ChatFrame = Static<typeof ChatFrame>;
export type BenchmarkFrame = Static<typeof BenchmarkFrame>;

/** A benchmark's frames: each column's tokens and result are tagged with its `model`. */
const BenchmarkStreamFrame = Type.Union([
  Type.Object({ type: Type.Literal('start'), models: Type.Array(Type.String()) }),
  Type.Object({ type: Type.Literal('token'), model: Type.String(), delta: Type.String() }),
  Type.Composite([Type.Object({ type: Type.Literal('done') }), BenchmarkAnswer]),
  Type.Object({ type: Type.Literal('error'), model: Type.String(), code: Type.String(), message: Type.String() }),
  Type.Object({ type: Type.Literal('benchmark'), results: Type.Array(BenchmarkResult) }),
]);

/** Every frame the server sends, as the work that produced it emits it. */
export const ServerFrame = Type.Union([TurnFrame, BenchmarkStreamFrame]);
export type ServerFrame = Static<typeof ServerFrame>;

/** A frame of a request's log, numbered by the order it was emitted in. */
export type LoggedFrame = ServerFrame & { requestId: string; seq: number };

/** A frame on the socket: a logged one, or a reply (`seq` 0) to a client frame, whose request id may be unknown. */
export type WireFrame = ServerFrame & { requestId: string | null; seq: number };

type Schema = { anyOf?: Schema[]; allOf?: Schema[]; properties?: { type?: { const?: unknown } } };

function frameTypesOf(schema: Schema): string[] {
  const own = schema.properties?.type?.const;
  return [...(typeof own === 'string' ? [own] : []), ...[...(schema.anyOf ?? []), ...(schema.allOf ?? [])].flatMap(frameTypesOf)];
}

/** Every frame type the protocol has, either way, read off the schemas above. */
export const FRAME_TYPES: ReadonlySet<string> = new Set([...frameTypesOf(ClientFrame), ...frameTypesOf(ServerFrame)]);

const checkers = {
  chat: TypeCompiler.Compile(ChatFrame),
  stop: TypeCompiler.Compile(StopFrame),
  resume: TypeCompiler.Compile(ResumeFrame),
  benchmark: TypeCompiler.Compile(BenchmarkFrame),
};

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; reason: string; requestId: string | null };

function requestIdOf(value: unknown): string | null {
  const id = (value as { requestId?: unknown } | null)?.requestId;
  return typeof id === 'string' ? id.slice(0, 128) : null;
}

/**
 * Reads a client frame once: the frame, or why it is not one (naming the first bad field) with
 * whatever request id it carried, so the error can be addressed to that request.
 */
export function parseClientFrame(raw: unknown): ParsedFrame {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, reason: 'Frame is not valid JSON', requestId: null };
    }
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !(type in checkers)) {
    return { ok: false, reason: 'Frame needs a type: chat, stop, resume or benchmark', requestId: requestIdOf(value) };
  }
  const checker = checkers[type as keyof typeof checkers];
  if (checker.Check(value)) {
    if (hasUnstorableText(value)) return { ok: false, reason: errorCatalogue.invalid_text.message, requestId: requestIdOf(value) };
    return { ok: true, frame: value as ClientFrame };
  }
  const first = checker.Errors(value).First();
  const reason = `Invalid ${type} frame: ${first?.path.replace(/^\//, '') || 'frame'} ${first?.message ?? 'is invalid'}`;
  return { ok: false, reason, requestId: requestIdOf(value) };
}
