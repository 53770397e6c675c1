import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from './errors';
import { isPublicAddress, pinnedRequest, safeFetch } from './safe-fetch';

const servers: { stop: (force?: boolean) => void }[] = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
});

function serve(handler: (req: Request) => Response | Promise<Response>) {
  const s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: handler });
  servers.push(s);
  return { origin: `http://127.0.0.1:${s.port}`, port: s.port };
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a failure');
}

const target = serve(() => new Response('internal secret'));

describe('address policy', () => {
  test('classifies-public-and-internal-addresses', () => {
    for (const a of ['8.8.8.8', '100.128.0.1', '172.32.0.1', '::ffff:8.8.8.8', '2606:4700::1111', '64:ff9b::808:808']) {
      expect(isPublicAddress(a)).toBe(true);
    }
    const internal = [
      '127.0.0.1',
      '10.1.2.3',
      '100.64.0.1',
      '169.254.169.254',
      '172.16.0.1',
      '192.168.1.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::7f00:1',
      '2002:7f00:1::',
      'fd00:ec2::254',
      'fc00::1',
      'fe80::1',
      'ff02::1',
      '::127.0.0.1',
      'not-an-ip',
    ];
    for (const a of internal) expect(isPublicAddress(a)).toBe(false);
  });
});

describe('refusals', () => {
  test('refuses-loopback-even-when-a-server-listens-there', async () => {
    const err = await failure(safeFetch(`${target.origin}/`));
    expect(err.code).toBe('ssrf_blocked');
  });

  test('refuses-odd-numeric-and-ipv6-spellings-of-internal-hosts', async () => {
    const urls = [
      `http://2130706433:${target.port}/`,
      `http://0x7f.1:${target.port}/`,
      `http://0177.0.0.1:${target.port}/`,
      `http://127.1:${target.port}/`,
      `http://0x7f000001:${target.port}/`,
      `http://[::1]:${target.port}/`,
      `http://[::ffff:127.0.0.1]:${target.port}/`,
      `http://[0:0:0:0:0:ffff:7f00:1]:${target.port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      `http://0.0.0.0:${target.port}/`,
      'http://10.0.0.1/',
      'http://[fe80::1]/',
    ];
    for (const url of urls) expect((await failure(safeFetch(url))).code).toBe('ssrf_blocked');
  });

  test('refuses-names-that-resolve-to-loopback', async () => {
    expect((await failure(safeFetch(`http://localhost:${target.port}/`))).code).toBe('ssrf_blocked');
  });

  test('refuses-a-name-when-any-answer-is-private', async () => {
    const resolve = async () => ['93.184.216.34', '10.0.0.7'];
    expect((await failure(safeFetch('http://mixed.example/', { resolve }))).code).toBe('ssrf_blocked');
  });

  test('refuses-non-http-schemes-and-credentials', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/', 'data:text/plain,hi', 'gopher://example.com/']) {
      expect((await failure(safeFetch(url))).code).toBe('ssrf_blocked');
    }
    expect((await failure(safeFetch('http://user:pw@example.com/'))).code).toBe('ssrf_blocked');
  });
});

describe('redirects', () => {
  test('refuses-a-redirect-from-an-allowed-origin-to-a-private-address', async () => {
    for (const to of [`${target.origin}/`, `http://[::1]:${target.port}/`, 'http://169.254.169.254/']) {
      const hop = serve(() => new Response(null, { status: 302, headers: { location: to } }));
      const err = await failure(safeFetch(`${hop.origin}/start`, { allowOrigins: [hop.origin] }));
      expect(err.code).toBe('ssrf_blocked');
    }
  });

  test('follows-redirects-within-an-allowed-origin', async () => {
    const s = serve((req) =>
      new URL(req.url).pathname === '/a' ? Response.redirect('/b', 301) : new Response(`at ${new URL(req.url).pathname}`),
    );
    const res = await safeFetch(`${s.origin}/a`, { allowOrigins: [s.origin] });
    expect(res.text).toBe('at /b');
    expect(res.url).toBe(`${s.origin}/b`);
  });

  test('stops-after-too-many-redirects', async () => {
    const s = serve((req) => Response.redirect(`/n${Number(new URL(req.url).pathname.slice(2) || 0) + 1}`, 302));
    const err = await failure(safeFetch(`${s.origin}/n0`, { allowOrigins: [s.origin], maxRedirects: 3 }));
    expect(err.code).toBe('fetch_failed');
    expect(err.message).toContain('redirects');
  });

  test('drops-credentials-on-a-cross-origin-redirect', async () => {
    const echo = serve((req) => Response.json(req.headers.toJSON()));
    const hop = serve(() => new Response(null, { status: 307, headers: { location: `${echo.origin}/` } }));
    const res = await safeFetch(`${hop.origin}/`, {
      allowOrigins: [hop.origin, echo.origin],
      headers: { 'x-subscription-token': 'secret', authorization: 'Bearer x', accept: 'application/json' },
    });
    const seen = JSON.parse(res.text);
    expect(seen['x-subscription-token']).toBeUndefined();
    expect(seen.authorization).toBeUndefined();
    expect(seen.accept).toBe('application/json');
  });

  test('turns-post-into-get-on-303', async () => {
    const s = serve((req) =>
      req.method === 'POST' ? new Response(null, { status: 303, headers: { location: '/done' } }) : new Response(req.method),
    );
    const res = await safeFetch(`${s.origin}/`, { method: 'POST', body: '{}', allowOrigins: [s.origin] });
    expect(res.text).toBe('GET');
  });
});

describe('limits', () => {
  test('stops-reading-a-body-past-the-size-cap-without-content-length', async () => {
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    const s = serve(
      () =>
        new Response(
          new ReadableStream({
            pull(c) {
              sent += chunk.byteLength;
              if (sent > 64 * 1024 * 1024) c.close();
              else c.enqueue(chunk);
            },
          }),
        ),
    );
    const err = await failure(safeFetch(`${s.origin}/`, { allowOrigins: [s.origin], maxBytes: 256 * 1024 }));
    expect(err.code).toBe('fetch_too_large');
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  test('refuses-a-declared-oversized-body', async () => {
    const s = serve(() => new Response('x'.repeat(10_000)));
    const err = await failure(safeFetch(`${s.origin}/`, { allowOrigins: [s.origin], maxBytes: 1000 }));
    expect(err.code).toBe('fetch_too_large');
  });

  test('gives-up-on-a-server-that-never-answers', async () => {
    const s = serve(() => new Promise<Response>(() => {}));
    const err = await failure(safeFetch(`${s.origin}/`, { allowOrigins: [s.origin], timeoutMs: 150 }));
    expect(err.code).toBe('fetch_timeout');
  });

  test('gives-up-on-a-resolver-that-never-answers', async () => {
    const resolve = () => new Promise<string[]>(() => {});
    const err = await failure(safeFetch('http://slow-dns.example/', { resolve, timeoutMs: 100 }));
    expect(err.code).toBe('fetch_timeout');
  });

  test('reports-a-caller-abort-as-aborted', async () => {
    const s = serve(() => new Promise<Response>(() => {}));
    const ctl = new AbortController();
    const pending = safeFetch(`${s.origin}/`, { allowOrigins: [s.origin], signal: ctl.signal });
    ctl.abort();
    expect((await failure(pending)).code).toBe('aborted');
  });
});

describe('connection pinning', () => {
  test('sends-the-host-name-while-connecting-to-the-checked-address', async () => {
    const s = serve((req) => new Response(req.headers.get('host')));
    const pin = pinnedRequest(new URL(`http://pages.example:${s.port}/x`), '127.0.0.1');
    expect(pin.url).toBe(`http://127.0.0.1:${s.port}/x`);
    const res = await fetch(pin.url, { headers: { host: pin.host } });
    expect(await res.text()).toBe(`pages.example:${s.port}`);
  });

  test('verifies-tls-against-the-name-when-connecting-to-the-address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'safe-fetch-tls-'));
    const made = Bun.spawnSync(
      [
        'openssl',
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=pages.example',
        '-addext',
        'subjectAltName=DNS:pages.example',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stderr: 'ignore', stdout: 'ignore' },
    );
    if (!made.success) {
      console.log('skipped: openssl is not available to make a test certificate');
      return;
    }
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    rmSync(dir, { recursive: true });
    const s = Bun.serve({ port: 0, hostname: '127.0.0.1', tls: { cert, key }, fetch: (req) => new Response(req.headers.get('host')) });
    servers.push(s);
    const pin = pinnedRequest(new URL(`https://pages.example:${s.port}/`), '127.0.0.1');
    const res = await fetch(pin.url, { headers: { host: pin.host }, tls: { serverName: pin.serverName, ca: cert } });
    expect(await res.text()).toBe(`pages.example:${s.port}`);
    const wrong = pinnedRequest(new URL(`https://other.example:${s.port}/`), '127.0.0.1');
    await expect(fetch(wrong.url, { headers: { host: wrong.host }, tls: { serverName: wrong.serverName, ca: cert } })).rejects.toThrow();
  });
});
