import { Type } from '@sinclair/typebox';

export const ModelView = Type.Object({
  id: Type.String(),
  provider: Type.String({ description: 'A provider from the environment (`openai`, `local`…) or an admin connection by name' }),
  displayName: Type.Optional(Type.String({ description: 'The name an admin gave the model, for pickers' })),
  capabilities: Type.Object({ streaming: Type.Boolean(), tools: Type.Boolean() }),
  contextWindow: Type.Integer(),
});

export const ModelList = Type.Object({ default: Type.String(), models: Type.Array(ModelView) });
