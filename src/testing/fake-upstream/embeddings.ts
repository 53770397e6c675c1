import type { UpstreamState } from './behaviour';
import { estimateTokens } from './template';

/**
 * Deterministic unit vectors seeded by the text, so equal inputs embed equally and tests can rely
 * on it. Honours `dimensions` and both encodings (the openai SDK asks for base64 by default).
 */
export function embeddingsResponse(
  body: Record<string, unknown>,
  state: UpstreamState,
  invalid: (message: string, param: string) => Response,
): Response {
  const inputs = normalizeInput(body.input);
  if (inputs === null) return invalid("'input' must be a non-empty string or array of strings", 'input');
  const dims = body.dimensions === undefined ? state.embeddingDims : Number(body.dimensions);
  if (!Number.isInteger(dims) || dims < 1 || dims > 8192) return invalid("'dimensions' must be a positive integer", 'dimensions');
  const base64 = body.encoding_format === 'base64';
  const data = inputs.map((text, index) => {
    const vector = embed(text, dims);
    return {
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') : Array.from(vector),
    };
  });
  const tokens = inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
  return Response.json({
    object: 'list',
    data,
    model: typeof body.model === 'string' ? body.model : state.models[0],
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

function normalizeInput(input: unknown): string[] | null {
  if (typeof input === 'string') return input.length > 0 ? [input] : null;
  if (!Array.isArray(input) || input.length === 0) return null;
  // Token-id arrays are embedded by their textual form so they stay deterministic too.
  return input.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
}

export function embed(text: string, dims: number): Float32Array {
  let seed = 2166136261;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619);
  const out = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const value = ((seed >>> 0) / 4294967296) * 2 - 1;
    out[i] = value;
    norm += value * value;
  }
  const scale = 1 / Math.sqrt(norm || 1);
  for (let i = 0; i < dims; i++) out[i] *= scale;
  return out;
}
