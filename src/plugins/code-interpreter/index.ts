import { type Static, Type } from '@sinclair/typebox';
import { CODE_QUEUE_WAIT_CEILING_MS } from '../../config';
import { AppError } from '../../lib/errors';
import type { Plugin } from '../types';
import type { EvaluateResult } from './evaluate';
import { KILL_GRACE_MS, runSandboxed } from './sandbox';

export const PYTHON_UNAVAILABLE =
  'Python is not offered: Pyodide is not a sandbox (its `js` module reaches the host), so only JavaScript runs, in QuickJS.';

const parameters = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 100_000, description: 'The program. The value of its last expression is returned.' }),
    language: Type.Optional(Type.Union([Type.Literal('javascript'), Type.Literal('python')], { default: 'javascript' })),
  },
  { additionalProperties: false },
);

export type CodeInterpreterArgs = Static<typeof parameters>;
export type CodeInterpreterData = EvaluateResult & { language: 'javascript' };

const GUEST_TIMEOUT_MS = 5_000;
/** Left between the guest's deadline and the plugin's, for the answer to come back. */
const DEADLINE_MARGIN_MS = 500;
/** Switched on for a message, the plugin runs its first fenced code block, or else the whole message. */
const FENCED_CODE = /```(?:\w+)?\n([\s\S]*?)```/;

function describe(result: EvaluateResult): string {
  const lines = [`status: ${result.status}`];
  if (result.stdout) lines.push('stdout:', result.stdout.trimEnd() + (result.stdoutTruncated ? '\n[output truncated]' : ''));
  if (result.value !== undefined) lines.push(`result: ${result.value}`);
  if (result.error) lines.push(`error: ${result.error.name}: ${result.error.message}`);
  return lines.join('\n');
}

export const codeInterpreterPlugin: Plugin<CodeInterpreterArgs, CodeInterpreterData> = {
  name: 'code_interpreter',
  description:
    'Runs JavaScript in an isolated QuickJS interpreter and returns console output and the value of ' +
    `the last expression. No network, filesystem or environment; ${GUEST_TIMEOUT_MS / 1000} s and 64 MiB limits. ${PYTHON_UNAVAILABLE}`,
  summary: 'Runs JavaScript to calculate or check something, in a sandbox with no network.',
  parameters,
  capabilities: ['code'],
  // Room for the longest configured wait for a sandbox, then the run itself.
  timeoutMs: CODE_QUEUE_WAIT_CEILING_MS + GUEST_TIMEOUT_MS + 3_000,
  available: (services) => (services.sandboxes ? { ok: true } : { ok: false, reason: 'no sandboxes on this server' }),
  async run(args, ctx) {
    if (args.language === 'python') throw new AppError('unsupported_language', { message: PYTHON_UNAVAILABLE });
    const release = await ctx.services.sandboxes!.acquire({
      userId: ctx.userId,
      holdMs: GUEST_TIMEOUT_MS + KILL_GRACE_MS,
      // Waiting ends while the run can still have its whole time.
      waitUntil: ctx.deadlineMs - GUEST_TIMEOUT_MS - DEADLINE_MARGIN_MS,
      signal: ctx.signal,
    });
    try {
      const timeoutMs = Math.max(1, Math.min(GUEST_TIMEOUT_MS, ctx.deadlineMs - Date.now() - DEADLINE_MARGIN_MS));
      const result = await runSandboxed(args.code, { timeoutMs, signal: ctx.signal });
      return { text: describe(result), data: { ...result, language: 'javascript' } };
    } finally {
      release();
    }
  },
  explicitArgs: ({ message }) => ({ code: FENCED_CODE.exec(message)?.[1] ?? message }),
};
