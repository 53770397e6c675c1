import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const RequestId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

export const ChatFrame = Type.Object({
  type: Type.Literal('chat'),
  requestId: RequestId,
  conversationId: Type.Optional(Type.String({ format: 'uuid' })),
  message: Type.String({ minLength: 1, maxLength: 100_000 }),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  plugins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10 })),
  documentIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50 })),
  parentId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
});
export const StopFrame = Type.Object({ type: Type.Literal('stop'), requestId: RequestId });
export const ResumeFrame = Type.Object({ type: Type.Literal('resume'), requestId: RequestId, lastSeq: Type.Integer({ minimum: 0 }) });
export const BenchmarkFrame = Type.Object({
  type: Type.Literal('benchmark'),
  requestId: RequestId,
  prompt: Type.String({ minLength: 1, maxLength: 20_000 }),
  models: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 8, uniqueItems: true }),
  maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 8_192 })),
});

export const ClientFrame = Type.Union([ChatFrame, StopFrame, ResumeFrame, BenchmarkFrame]);
export type ClientFrame = Static<typeof ClientFrame>;
export type ChatFrame = Static<typeof ChatFrame>;
export type BenchmarkFrame = Static<typeof BenchmarkFrame>;

const checkers = {
  chat: TypeCompiler.Compile(ChatFrame),
  stop: TypeCompiler.Compile(StopFrame),
  resume: TypeCompiler.Compile(ResumeFrame),
  benchmark: TypeCompiler.Compile(BenchmarkFrame),
};

/** The frame, or the reason it is not one; the reason names the first bad field. */
export function parseClientFrame(raw: unknown): ClientFrame | string {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return 'Frame is not valid JSON';
    }
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !(type in checkers)) return 'Frame needs a type: chat, stop, resume or benchmark';
  const checker = checkers[type as keyof typeof checkers];
  if (checker.Check(value)) return value as ClientFrame;
  const first = checker.Errors(value).First();
  return `Invalid ${type} frame: ${first?.path.replace(/^\//, '') || 'frame'} ${first?.message ?? 'is invalid'}`;
}
