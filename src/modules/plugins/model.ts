import { Type } from '@sinclair/typebox';

export const PluginStatusView = Type.Object({
  name: Type.String(),
  /** Written for the model that calls the tool. */
  description: Type.String(),
  /** What a person reads when choosing tools. */
  summary: Type.String(),
  capabilities: Type.Array(Type.String()),
  available: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  enabled: Type.Boolean(),
});

export const PluginList = Type.Object({ plugins: Type.Array(PluginStatusView) });
export const PluginName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 160 }) });
export const PluginPatch = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });
