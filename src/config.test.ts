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

  test('secret-keys-are-read-as-32-bytes-and-a-bad-one-is-named-never-echoed', () => {
    const current = Buffer.alloc(32, 1);
    const previous = [Buffer.alloc(32, 2), Buffer.alloc(32, 3)];
    const c = loadConfig({
      SECRET_KEY: current.toString('base64'),
      SECRET_KEY_PREVIOUS: `${previous[0].toString('hex')}, ${previous[1].toString('base64url')}`,
    });
    expect(c.secrets.key).toEqual(new Uint8Array(current));
    expect(c.secrets.previousKeys).toEqual(previous.map((p) => new Uint8Array(p)));
    expect(loadConfig({}).secrets).toEqual({ key: undefined, previousKeys: [] });
    for (const env of [
      { SECRET_KEY: 'secret-password' },
      { SECRET_KEY: Buffer.alloc(16).toString('base64') },
      { SECRET_KEY_PREVIOUS: `${current.toString('hex')},secret-password` },
    ]) {
      const name = Object.keys(env)[0];
      const error = (() => {
        try {
          loadConfig(env);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error?.message).toContain(`variable ${name}:`);
      expect(error?.message).not.toContain('secret-password');
    }
  });
});
