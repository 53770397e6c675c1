import { describe, expect, test } from 'bun:test';
import { clientAddressResolver, invalidAddressRange, UNKNOWN_ADDRESS } from './client-address';

const peer = (address: string) => ({ requestIP: () => ({ address }) });
const request = (forwardedFor?: string) =>
  new Request('http://confab.test/', { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });

describe('client address', () => {
  test('is-the-peer-when-no-proxy-is-trusted', () => {
    const of = clientAddressResolver([]);
    expect(of(request('203.0.113.9'), peer('198.51.100.7'))).toBe('198.51.100.7');
  });

  test('is-the-first-untrusted-hop-from-the-right-behind-trusted-proxies', () => {
    const of = clientAddressResolver(['10.0.0.0/8', '192.0.2.1']);
    expect(of(request('203.0.113.9'), peer('10.1.2.3'))).toBe('203.0.113.9');
    // What the client wrote itself sits left of the address the proxy appended, and is ignored.
    expect(of(request('6.6.6.6, 203.0.113.9'), peer('10.1.2.3'))).toBe('203.0.113.9');
    expect(of(request('6.6.6.6, 203.0.113.9, 192.0.2.1'), peer('10.1.2.3'))).toBe('203.0.113.9');
  });

  test('a-trusted-peer-without-a-usable-header-is-the-client', () => {
    const of = clientAddressResolver(['10.0.0.0/8']);
    expect(of(request(), peer('10.1.2.3'))).toBe('10.1.2.3');
    expect(of(request('not-an-ip'), peer('10.1.2.3'))).toBe('10.1.2.3');
    expect(of(request('203.0.113.9, not-an-ip'), peer('10.1.2.3'))).toBe('10.1.2.3');
  });

  test('an-ipv4-mapped-peer-is-named-as-ipv4', () => {
    const of = clientAddressResolver(['127.0.0.1']);
    expect(of(request('2001:DB8::1'), peer('::ffff:127.0.0.1'))).toBe('2001:db8::1');
    expect(clientAddressResolver([])(request(), peer('::ffff:198.51.100.7'))).toBe('198.51.100.7');
  });

  test('no-peer-is-the-unknown-address-whatever-the-header-says', () => {
    expect(clientAddressResolver(['0.0.0.0/0'])(request('203.0.113.9'), null)).toBe(UNKNOWN_ADDRESS);
  });

  test('proxy-list-entries-are-ips-or-cidr-ranges', () => {
    for (const good of ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0']) expect(invalidAddressRange(good)).toBeUndefined();
    for (const bad of ['localhost', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1', '10.0.0.0/x', ''])
      expect(invalidAddressRange(bad)).toBeString();
  });
});
