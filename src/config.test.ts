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
    expect(c.signupRatePerHour).toBe(10);
    expect(c.trustedProxies).toEqual([]);
    expect(c.mcp).toEqual({ toolTimeoutMs: 30_000, resultMaxChars: 32_000, userConcurrency: 4, stdio: false });
  });

  test('mcp-limits-are-read-from-the-environment', () => {
    const c = loadConfig({ MCP_TOOL_TIMEOUT_MS: '1500', MCP_RESULT_MAX_CHARS: '200', MCP_USER_CONCURRENCY: '2', MCP_STDIO: 'on' });
    expect(c.mcp).toEqual({ toolTimeoutMs: 1500, resultMaxChars: 200, userConcurrency: 2, stdio: true });
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
      { SIGNUP_RATE_PER_HOUR: '-1' },
      { TRUSTED_PROXIES: '10.0.0.1,secret-password' },
      { MCP_TOOL_TIMEOUT_MS: '0' },
      { MCP_RESULT_MAX_CHARS: 'lots' },
      { MCP_USER_CONCURRENCY: '-2' },
      { MCP_STDIO: 'yes' },
      { RERANK_URL: 'secret-password' },
      { RAG_TEXT_SEARCH_LANGUAGE: 'klingon' },
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

  test('text-search-language-defaults-to-english-and-takes-any-built-in-configuration', () => {
    expect(loadConfig({}).textSearchLanguage).toBe('english');
    expect(loadConfig({ RAG_TEXT_SEARCH_LANGUAGE: 'german' }).textSearchLanguage).toBe('german');
    expect(loadConfig({ RAG_TEXT_SEARCH_LANGUAGE: 'simple' }).textSearchLanguage).toBe('simple');
  });

  test('a-rerank-server-is-configured-by-its-url', () => {
    expect(loadConfig({}).rerank).toBeUndefined();
    expect(loadConfig({ RERANK_MODEL: 'm' }).rerank).toBeUndefined();
    expect(loadConfig({ RERANK_URL: 'http://localhost:8080/rerank', RERANK_MODEL: 'bge-reranker', RERANK_API_KEY: 'k' }).rerank).toEqual({
      url: 'http://localhost:8080/rerank',
      model: 'bge-reranker',
      apiKey: 'k',
    });
  });

  test('origins-are-validated-and-kept-as-origins', () => {
    const c = loadConfig({
      PUBLIC_URL: 'https://Chat.Example.com/confab/',
      ALLOWED_ORIGINS: 'https://a.example:443,http://localhost:5173/',
    });
    expect(c.origins).toEqual({ publicOrigin: 'https://chat.example.com', allowed: ['https://a.example', 'http://localhost:5173'] });
    expect(loadConfig({}).origins).toEqual({ publicOrigin: undefined, allowed: [] });
    for (const env of [
      { ALLOWED_ORIGINS: 'https://a.example/app' },
      { ALLOWED_ORIGINS: 'ftp://a.example' },
      { ALLOWED_ORIGINS: 'a.example' },
      { PUBLIC_URL: 'ftp://files.example' },
    ]) {
      expect(() => loadConfig(env)).toThrow(new RegExp(Object.keys(env)[0]));
    }
  });

  test('code-interpreter-caps-default-small-and-are-bounded', () => {
    expect(loadConfig({}).codeInterpreter).toEqual({ concurrency: 2, userConcurrency: 1, queue: 8, queueWaitMs: 10_000 });
    expect(loadConfig({ CODE_INTERPRETER_CONCURRENCY: '4', CODE_INTERPRETER_QUEUE: '0' }).codeInterpreter).toMatchObject({
      concurrency: 4,
      queue: 0,
    });
    for (const env of [{ CODE_INTERPRETER_CONCURRENCY: '0' }, { CODE_INTERPRETER_QUEUE_WAIT_MS: '60000' }]) {
      expect(() => loadConfig(env)).toThrow(new RegExp(Object.keys(env)[0]));
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
    expect(loadConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, ::1 ' }).trustedProxies).toEqual(['10.0.0.0/8', '::1']);
    expect(loadConfig({ SIGNUP_RATE_PER_HOUR: '0' }).signupRatePerHour).toBe(0);
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

  test('single-sign-on-is-off-unless-an-issuer-is-set-and-password-login-stays-on', () => {
    const c = loadConfig({});
    expect(c.oidc).toBeUndefined();
    expect(c.trustedHeader).toBeUndefined();
    expect(c.passwordLogin).toBe(true);
  });

  test('oidc-settings-are-parsed-and-the-redirect-derives-from-the-public-url', () => {
    const c = loadConfig({
      PUBLIC_URL: 'https://chat.example.com/',
      OIDC_ISSUER: 'https://id.example.com/realms/team',
      OIDC_CLIENT_ID: 'confab',
      OIDC_CLIENT_SECRET: 'secret-password',
      OIDC_SCOPES: 'openid email groups',
      OIDC_ADMIN_GROUPS: 'admins, ops',
      OIDC_ALLOWED_GROUPS: 'staff',
      OIDC_AUTO_PROVISION: 'off',
      OIDC_GROUPS_CLAIM: 'roles',
      OIDC_BUTTON_LABEL: 'Sign in with Keycloak',
      PASSWORD_LOGIN: 'off',
    });
    expect(c.oidc).toEqual({
      issuer: 'https://id.example.com/realms/team',
      clientId: 'confab',
      clientSecret: 'secret-password',
      scopes: 'openid email groups',
      redirectUrl: 'https://chat.example.com/api/auth/oidc/callback',
      groupsClaim: 'roles',
      adminGroups: ['admins', 'ops'],
      allowedGroups: ['staff'],
      autoProvision: false,
      buttonLabel: 'Sign in with Keycloak',
    });
    expect(c.passwordLogin).toBe(false);
    const defaults = loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'c', OIDC_REDIRECT_URL: 'http://127.0.0.1:8000/cb' });
    expect(defaults.oidc).toMatchObject({ scopes: 'openid email profile', groupsClaim: 'groups', autoProvision: true, adminGroups: [] });
    expect(defaults.oidc?.redirectUrl).toBe('http://127.0.0.1:8000/cb');
  });

  test('trusted-header-names-are-lower-cased-and-need-trusted-proxies', () => {
    const c = loadConfig({
      TRUSTED_PROXIES: '10.0.0.1',
      TRUSTED_HEADER_EMAIL: 'X-Forwarded-Email',
      TRUSTED_HEADER_GROUPS: 'X-Forwarded-Groups',
    });
    expect(c.trustedHeader).toEqual({ email: 'x-forwarded-email', groups: 'x-forwarded-groups', adminGroups: [], allowedGroups: [] });
    const withGroups = loadConfig({
      TRUSTED_PROXIES: '10.0.0.1',
      TRUSTED_HEADER_EMAIL: 'X-Email',
      OIDC_ADMIN_GROUPS: 'admins',
      OIDC_ALLOWED_GROUPS: 'staff',
    });
    expect(withGroups.trustedHeader).toMatchObject({ adminGroups: ['admins'], allowedGroups: ['staff'] });
  });

  test('incomplete-single-sign-on-settings-name-the-variable-and-never-echo-a-secret', () => {
    const bad: [Record<string, string>, string][] = [
      [{ OIDC_CLIENT_ID: 'c' }, 'OIDC_CLIENT_ID'],
      [
        { OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_SECRET: 'secret-password', OIDC_REDIRECT_URL: 'https://c.example.com/cb' },
        'OIDC_CLIENT_ID',
      ],
      [{ OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'c' }, 'OIDC_REDIRECT_URL'],
      [{ OIDC_ISSUER: 'ftp://id.example.com', OIDC_CLIENT_ID: 'c', PUBLIC_URL: 'https://c.example.com' }, 'OIDC_ISSUER'],
      [
        { OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'c', PUBLIC_URL: 'https://c.example.com', OIDC_SCOPES: 'email' },
        'OIDC_SCOPES',
      ],
      [{ OIDC_AUTO_PROVISION: 'maybe' }, 'OIDC_AUTO_PROVISION'],
      [{ PASSWORD_LOGIN: 'off' }, 'PASSWORD_LOGIN'],
      [{ TRUSTED_HEADER_EMAIL: 'X-Email' }, 'TRUSTED_HEADER_EMAIL'],
      [{ TRUSTED_PROXIES: '10.0.0.1', TRUSTED_HEADER_EMAIL: 'X Email' }, 'TRUSTED_HEADER_EMAIL'],
      [{ TRUSTED_PROXIES: '10.0.0.1', TRUSTED_HEADER_GROUPS: 'X-Groups' }, 'TRUSTED_HEADER_GROUPS'],
    ];
    for (const [env, name] of bad) {
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
