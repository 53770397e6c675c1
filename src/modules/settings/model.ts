import { t } from 'elysia';
import { EffectiveLimits, Limits } from '../usage/model';

const SignupPolicy = t.Union([t.Literal('open'), t.Literal('approval'), t.Literal('closed')], {
  description: '`open`: anyone may sign up; `approval`: new accounts are pending until an admin approves them; `closed`: nobody',
});

export const SettingsView = t.Object({
  signup: SignupPolicy,
  defaultModel: t.Nullable(t.String({ description: 'The model used when a request names none; null: the configured default' })),
  defaultLimits: t.Nullable(Limits, { description: 'The default limits set here; null: the environment decides alone' }),
  effectiveDefaultLimits: t.Composite([EffectiveLimits], {
    description: 'What a user with no limits of their own and no group limits gets: these settings over the environment',
  }),
});

export const SettingsPatch = t.Object(
  {
    defaultModel: t.Optional(
      t.Nullable(t.String({ minLength: 1, maxLength: 300, description: 'A model id as `/api/models` lists it; null clears it' })),
    ),
    defaultLimits: t.Optional(t.Nullable(Limits, { description: 'Replaces the default limits set here; null removes them' })),
    signup: t.Optional(t.Nullable(SignupPolicy, { description: 'Who may sign up; null goes back to the SIGNUP environment variable' })),
  },
  { additionalProperties: false },
);
export type SettingsPatch = typeof SettingsPatch.static;
