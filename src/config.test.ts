import { describe, expect, test } from 'bun:test';
import { ConfigError, loadConfig } from './config';

describe('config', () => {
  test('defaults-give-an-embedded-offline-setup', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8000);
    expect(c.dataDir).toBe('./data');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.providers.openai).toBeUndefined();
    expect(c.embeddings.provider).toBe('offline');
    expect(c.rateLimit).toEqual({ rpm: 60, tpm: 100_000 });
  });

  test('bad-values-name-the-variable-and-never-echo-it', () => {
    const bad: Record<string, string>[] = [
      { PORT: 'eighty' },
      { PORT: '70000' },
      { DATABASE_URL: 'mysql://secret-password@db' },
      { REDIS_URL: 'http://x' },
      { RATE_LIMIT_RPM: '-1' },
      { QUOTA_TOKENS_PER_DAY: '1.5' },
      { QUOTA_USD_PER_MONTH: 'ten' },
      { QUOTA_USD_PER_MONTH: '-3' },
      { LOG_LEVEL: 'loud' },
      { EMBEDDINGS_PROVIDER: 'openai' },
    ];
    for (const env of bad) {
      const name = Object.keys(env)[0];
      let error: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(name);
      expect((error as Error).message).not.toContain('secret-password');
    }
  });

  test('providers-and-lists-are-parsed', () => {
    const c = loadConfig({
      OPENAI_API_KEY: 'sk-test',
      LOCAL_LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
      KAFKA_BROKERS: 'a:9092,b:9092',
      RATE_LIMIT_TPM: '5000',
    });
    expect(c.providers.openai?.apiKey).toBe('sk-test');
    expect(c.providers.local?.baseURL).toBe('http://127.0.0.1:11434/v1');
    expect(c.kafkaBrokers).toEqual(['a:9092', 'b:9092']);
    expect(c.rateLimit.tpm).toBe(5000);
  });

  test('quotas-are-off-unless-set-and-zero-switches-them-off', () => {
    expect(loadConfig({}).quota).toEqual({ tokensPerDay: undefined, usdPerMonth: undefined });
    expect(loadConfig({ QUOTA_TOKENS_PER_DAY: '250000', QUOTA_USD_PER_MONTH: '12.5' }).quota).toEqual({
      tokensPerDay: 250_000,
      usdPerMonth: 12.5,
    });
    expect(loadConfig({ QUOTA_TOKENS_PER_DAY: '0', QUOTA_USD_PER_MONTH: '0' }).quota).toEqual({
      tokensPerDay: undefined,
      usdPerMonth: undefined,
    });
  });
});
