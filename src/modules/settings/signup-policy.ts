import { eq } from 'drizzle-orm';
import type { SignupPolicy } from '../../config';
import type { Db } from '../../db/client';
import { settings } from '../../db/schema';
import type { ChangeBy } from '../admin/change-by';
import { recordAudit } from '../audit/service';

const SIGNUP_KEY = 'signup';
const POLICIES = new Set<string>(['open', 'approval', 'closed']);

/** The sign-up policy an admin set at runtime, or undefined when the environment's `SIGNUP` applies. */
export async function readSignupSetting(db: Db): Promise<SignupPolicy | undefined> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, SIGNUP_KEY));
  return typeof row?.value === 'string' && POLICIES.has(row.value) ? (row.value as SignupPolicy) : undefined;
}

/** Who may sign up now: the runtime setting, else the environment's default. Read for each sign-up, so every replica agrees at once. */
export async function signupPolicy(db: Db, fallback: SignupPolicy): Promise<SignupPolicy> {
  return (await readSignupSetting(db)) ?? fallback;
}

/** Sets (or with null clears, back to `SIGNUP`) the sign-up policy and audits the change. */
export async function writeSignupPolicy(db: Db, by: ChangeBy, fallback: SignupPolicy, policy: SignupPolicy | null): Promise<void> {
  const before = await signupPolicy(db, fallback);
  if (policy === null) await db.delete(settings).where(eq(settings.key, SIGNUP_KEY));
  else {
    await db
      .insert(settings)
      .values({ key: SIGNUP_KEY, value: policy })
      .onConflictDoUpdate({ target: settings.key, set: { value: policy, updatedAt: new Date() } });
  }
  await recordAudit(db, {
    ...by,
    action: 'settings.update',
    target: 'settings',
    details: { signup: { from: before, to: policy ?? fallback } },
  });
}
