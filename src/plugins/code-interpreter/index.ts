import { type Static, Type } from '@sinclair/typebox';
import { AppError } from '../../lib/errors';
import type { Plugin } from '../types';
import type { EvaluateResult } from './evaluate';
import { runSandboxed } from './sandbox';

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
  parameters,
  capabilities: ['code'],
  timeoutMs: GUEST_TIMEOUT_MS + 3_000,
  available: () => ({ ok: true }),
  async run(args, ctx) {
    if (args.language === 'python') throw new AppError('unsupported_language', { message: PYTHON_UNAVAILABLE });
    const timeoutMs = Math.max(1, Math.min(GUEST_TIMEOUT_MS, ctx.deadlineMs - Date.now() - 500));
    const result = await runSandboxed(args.code, { timeoutMs, signal: ctx.signal });
    return { text: describe(result), data: { ...result, language: 'javascript' } };
  },
  explicitArgs: ({ message }) => ({ code: FENCED_CODE.exec(message)?.[1] ?? message }),
};
