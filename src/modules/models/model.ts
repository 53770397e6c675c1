import { Type } from '@sinclair/typebox';

export const ModelView = Type.Object({
  id: Type.String(),
  provider: Type.String(),
  capabilities: Type.Object({ streaming: Type.Boolean(), tools: Type.Boolean() }),
  contextWindow: Type.Integer(),
});

export const ModelList = Type.Object({ default: Type.String(), models: Type.Array(ModelView) });
