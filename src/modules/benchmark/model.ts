import { Type } from '@sinclair/typebox';

export const BenchmarkBody = Type.Object(
  {
    prompt: Type.String({ minLength: 1, maxLength: 20_000 }),
    models: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 8, uniqueItems: true }),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 8_192 })),
  },
  { additionalProperties: false },
);

const Ok = Type.Object({
  model: Type.String(),
  ok: Type.Literal(true),
  answeredBy: Type.String(),
  output: Type.String(),
  ttftMs: Type.Union([Type.Number(), Type.Null()]),
  totalMs: Type.Number(),
  tokensPerSec: Type.Union([Type.Number(), Type.Null()]),
  usage: Type.Object({ promptTokens: Type.Integer(), completionTokens: Type.Integer() }),
  costUsd: Type.Union([Type.Number(), Type.Null()]),
});
const Failed = Type.Object({
  model: Type.String(),
  ok: Type.Literal(false),
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const BenchmarkReply = Type.Object({ results: Type.Array(Type.Union([Ok, Failed])) });
