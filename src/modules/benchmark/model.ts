import { type Static, Type } from '@sinclair/typebox';
import { TokenUsage } from '../chat/model';

export const BenchmarkBody = Type.Object(
  {
    prompt: Type.String({ minLength: 1, maxLength: 20_000 }),
    models: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 8, uniqueItems: true }),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 8_192 })),
  },
  { additionalProperties: false },
);
export type BenchmarkBody = Static<typeof BenchmarkBody>;

export const BenchmarkAnswer = Type.Object({
  model: Type.String(),
  ok: Type.Literal(true),
  answeredBy: Type.String({ description: 'The deployment that answered (differs from `model` after a fallback)' }),
  output: Type.String(),
  ttftMs: Type.Union([Type.Number(), Type.Null()]),
  totalMs: Type.Number(),
  tokensPerSec: Type.Union([Type.Number(), Type.Null()], { description: 'Output tokens per second after the first token' }),
  usage: TokenUsage,
  costUsd: Type.Union([Type.Number(), Type.Null()]),
});

export const BenchmarkFailure = Type.Object({
  model: Type.String(),
  ok: Type.Literal(false),
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const BenchmarkResult = Type.Union([BenchmarkAnswer, BenchmarkFailure]);
export type BenchmarkResult = Static<typeof BenchmarkResult>;

export const BenchmarkReply = Type.Object({ results: Type.Array(BenchmarkResult) });
