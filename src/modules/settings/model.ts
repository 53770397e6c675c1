import { t } from 'elysia';
import { EffectiveLimits, Limits } from '../usage/model';

export const SettingsView = t.Object({
  defaultLimits: t.Nullable(Limits, { description: 'The default limits set here; null: the environment decides alone' }),
  effectiveDefaultLimits: t.Composite([EffectiveLimits], {
    description: 'What a user with no limits of their own and no group limits gets: these settings over the environment',
  }),
});

export const SettingsPatch = t.Object(
  { defaultLimits: t.Optional(t.Nullable(Limits, { description: 'Replaces the default limits set here; null removes them' })) },
  { additionalProperties: false },
);
export type SettingsPatch = typeof SettingsPatch.static;
