import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { authGuard } from '../auth/guard';
import { BenchmarkBody, BenchmarkReply } from './model';
import { runBenchmark } from './service';

export const benchmarkModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/benchmark' }).use(authGuard(ctx)).post(
    '',
    async ({ principal, body }) => ({
      results: await runBenchmark(ctx, principal, { requestId: crypto.randomUUID(), ...body }, { signal: new AbortController().signal }),
    }),
    {
      body: BenchmarkBody,
      response: { 200: BenchmarkReply, ...errorResponses([400, 401, 403, 413, 415, 429]) },
      detail: {
        summary: 'The same prompt to several models concurrently: output, TTFT, latency, tokens/s, usage and cost per model',
        description:
          'A model that fails reports its error without failing the others. `/ws/chat` has a streamed variant (`benchmark` frame).',
        tags: ['benchmark'],
      },
    },
  );
