import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const TextPart = Type.Object({ type: Type.Literal('text'), text: Type.String() });
const Content = Type.Union([Type.String(), Type.Array(Type.Union([TextPart, Type.Object({ type: Type.String() })])), Type.Null()]);
const ToolCallIn = Type.Object({
  id: Type.String(),
  type: Type.Optional(Type.Literal('function')),
  function: Type.Object({ name: Type.String(), arguments: Type.String() }),
});

export const CompletionMessage = Type.Object({
  role: Type.Union(['system', 'developer', 'user', 'assistant', 'tool'].map((r) => Type.Literal(r))),
  content: Type.Optional(Content),
  name: Type.Optional(Type.String()),
  tool_calls: Type.Optional(Type.Array(ToolCallIn)),
  tool_call_id: Type.Optional(Type.String()),
});

/**
 * The OpenAI request fields Confab reads. The whole body, other fields included, goes on to an
 * OpenAI-compatible upstream; Anthropic and the offline model get what these fields say.
 */
export const CompletionRequest = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 200 }),
    messages: Type.Array(CompletionMessage, { minItems: 1, maxItems: 2_000 }),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }), Type.Null()])),
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    max_completion_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Literal(1), Type.Null()])),
    tools: Type.Optional(
      Type.Array(
        Type.Object({
          type: Type.Literal('function'),
          function: Type.Object({
            name: Type.String({ minLength: 1 }),
            description: Type.Optional(Type.String()),
            parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          }),
        }),
      ),
    ),
    tool_choice: Type.Optional(
      Type.Union([
        Type.Literal('auto'),
        Type.Literal('none'),
        Type.Literal('required'),
        Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: Type.String() }) }),
      ]),
    ),
  },
  { additionalProperties: true },
);
export type CompletionRequest = Static<typeof CompletionRequest>;

export const checkCompletionRequest = TypeCompiler.Compile(CompletionRequest);

/** OpenAI's error envelope: what `/v1` answers with, so OpenAI clients raise their usual typed errors. */
export const OpenAIErrorResponse = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String({ description: 'OpenAI error type, e.g. invalid_request_error, authentication_error, rate_limit_error' }),
    param: Type.Union([Type.String(), Type.Null()]),
    code: Type.Union([Type.String(), Type.Null()]),
  }),
});

const ToolCallOut = Type.Object({
  id: Type.String(),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String(), arguments: Type.String() }),
});

export const ChatCompletion = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('chat.completion'),
    created: Type.Integer(),
    model: Type.String(),
    system_fingerprint: Type.Union([Type.String(), Type.Null()]),
    choices: Type.Array(
      Type.Object({
        index: Type.Integer(),
        message: Type.Object({
          role: Type.Literal('assistant'),
          content: Type.Union([Type.String(), Type.Null()]),
          refusal: Type.Union([Type.String(), Type.Null()]),
          tool_calls: Type.Optional(Type.Array(ToolCallOut)),
        }),
        logprobs: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
        finish_reason: Type.String(),
      }),
    ),
    usage: Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() }),
  },
  { additionalProperties: true, description: "An OpenAI-compatible upstream's completion comes back with its own extra fields" },
);

export const CompatModelList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Type.Object({ id: Type.String(), object: Type.Literal('model'), created: Type.Integer(), owned_by: Type.String() })),
});
