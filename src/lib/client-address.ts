import { BlockList, isIP } from 'node:net';

/** The part of Bun's server that knows a request's peer; there is none when the app is driven in process. */
export interface PeerSource {
  requestIP(request: Request): { address: string } | null;
}

/** The address a request came from, as every module that keys anything by address sees it. */
export type ClientAddressOf = (request: Request, server: PeerSource | null) => string;

/** Requests whose peer is not known share this address, so they are throttled together rather than not at all. */
export const UNKNOWN_ADDRESS = 'unknown';

/** Why an entry of a proxy list is not an IP address or CIDR range; undefined when it is one. */
export function invalidAddressRange(entry: string): string | undefined {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return 'is not an IP address or CIDR range';
  if (prefix === undefined) return undefined;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128) ? undefined : 'has a prefix length out of range';
}

/** `::ffff:a.b.c.d` is how a dual-stack socket names an IPv4 peer; one client keeps one name. */
function unmapped(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  return v4 ?? address.toLowerCase();
}

/** Whether an address is one of `ranges` (IPs and CIDR ranges, as `TRUSTED_PROXIES` lists them). */
function addressCheck(ranges: readonly string[]): (address: string) => boolean {
  const trusted = new BlockList();
  for (const entry of ranges) {
    const [address, prefix] = entry.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) trusted.addAddress(unmapped(address), type);
    else trusted.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Whether the request's own peer (not anything it claims in headers) is one of `trustedProxies`. */
export function trustedPeerCheck(trustedProxies: readonly string[]): (request: Request, server: PeerSource | null) => boolean {
  const isTrusted = addressCheck(trustedProxies);
  return (request, server) => {
    const peer = server?.requestIP(request)?.address;
    return peer !== undefined && isTrusted(unmapped(peer));
  };
}

/**
 * The client address: the peer's, unless the peer is one of `trustedProxies`. Then `X-Forwarded-For`
 * is read from the right, each hop appended by a trusted proxy, up to the first address that is not
 * a trusted proxy: that is the client. Anything left of it was written by the client and is ignored,
 * so a forged header cannot move a request to another address.
 */
export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddressOf {
  const isTrusted = addressCheck(trustedProxies);
  return (request, server) => {
    const peer = server?.requestIP(request)?.address;
    if (!peer) return UNKNOWN_ADDRESS;
    let client = unmapped(peer);
    if (trustedProxies.length === 0 || !isTrusted(client)) return client;
    const hops = (request.headers.get('x-forwarded-for') ?? '').split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = unmapped(hops[i].trim());
      // A trusted proxy writes bare addresses; anything else came from the client, so the last good hop stands.
      if (isIP(hop) === 0) break;
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
}
