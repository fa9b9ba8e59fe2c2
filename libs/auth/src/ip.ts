import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 'ipv4' | 'ipv6';

/** A parsed address: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is reported as the IPv4 it carries. */
export interface ParsedIp {
  readonly address: string;
  readonly family: IpFamily;
}

/** Eight 16-bit groups of a valid IPv6 address (which `net.isIPv6` has already accepted). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (isIPv4(last)) {
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, lastColon + 1) + '0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const left = parse(head);
  const right = parse(rest);
  if (tail.length > 0) {
    // The placeholder '0' stands for the two IPv4 groups.
    (rest === undefined ? left : right).pop();
  }
  const fill = 8 - left.length - right.length - tail.length;
  return [...left, ...new Array<number>(rest === undefined ? 0 : fill).fill(0), ...right, ...tail];
}

/**
 * Validates and normalises an address: strips `[...]` and an IPv6 zone (`%eth0`), and turns an
 * IPv4-mapped IPv6 address into plain IPv4 so one rule matches whichever form the socket reports.
 */
export function parseIp(raw: string): ParsedIp | undefined {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (isIPv4(text)) return { address: text, family: 'ipv4' };
  if (!isIPv6(text)) return undefined;
  const groups = ipv6Groups(text);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6] ?? 0, groups[7] ?? 0];
    return { address: `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`, family: 'ipv4' };
  }
  return { address: text.toLowerCase(), family: 'ipv6' };
}

export interface ParsedCidr extends ParsedIp {
  readonly prefix: number;
}

/**
 * Parses `a.b.c.d/n`, `x::y/n` or a bare address (a /32 or /128). An IPv4-mapped IPv6 range with
 * a prefix of at least 96 becomes the IPv4 range it describes.
 */
export function parseCidr(text: string): ParsedCidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash >= 0 ? trimmed.slice(0, slash) : trimmed;
  const prefixText = slash >= 0 ? trimmed.slice(slash + 1) : undefined;
  if (addressText.includes('%')) throw new Error(`"${trimmed}" is not a valid CIDR (zone id)`);
  const v6 = isIPv6(addressText.replace(/^\[|\]$/g, ''));
  const ip = parseIp(addressText);
  if (ip === undefined) throw new Error(`"${trimmed}" is not a valid IP address or CIDR`);
  const max = v6 ? 128 : 32;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
      throw new Error(`"${trimmed}" has an invalid prefix length (0-${max})`);
    }
    prefix = Number(prefixText);
  }
  if (v6 && ip.family === 'ipv4') {
    // ::ffff:a.b.c.d/n: only meaningful as an IPv4 range when n covers the ::ffff:0:0/96 prefix.
    if (prefix < 96) throw new Error(`"${trimmed}": an IPv4-mapped range needs a prefix ≥ 96`);
    prefix -= 96;
  }
  return { ...ip, prefix };
}

/** A set of CIDR ranges (IPv4 and IPv6) checked with node:net's BlockList. */
export class IpAllowList {
  readonly ranges: readonly string[];
  private readonly list = new BlockList();

  /** Throws on the first invalid entry; `parseAuthSettings` reports every bad entry instead. */
  constructor(cidrs: readonly string[]) {
    const ranges: string[] = [];
    for (const text of cidrs) {
      const cidr = parseCidr(text);
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
      ranges.push(`${cidr.address}/${cidr.prefix}`);
    }
    this.ranges = ranges;
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** True when the address (any of the accepted forms) lies in one of the ranges. */
  contains(address: string | undefined | null): boolean {
    if (typeof address !== 'string') return false;
    const ip = parseIp(address);
    return ip !== undefined && this.list.check(ip.address, ip.family);
  }
}

/** One X-Forwarded-For element: an address, optionally with a port (`1.2.3.4:80`, `[::1]:80`). */
function parseForwardedElement(element: string): ParsedIp | undefined {
  const text = element.trim().replace(/^"|"$/g, '');
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  if (v4WithPort?.[1] !== undefined) return parseIp(v4WithPort[1]);
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed?.[1] !== undefined) return parseIp(bracketed[1]);
  return parseIp(text);
}

/** Upper bound on hops examined, so a huge header costs nothing. */
const MAX_FORWARDED_HOPS = 32;

/**
 * The client's address behind trusted reverse proxies (the usual right-to-left algorithm):
 * - the direct peer (`remoteAddress`) is not a trusted proxy → it is the client; X-Forwarded-For
 *   is ignored entirely, because anyone can send that header;
 * - otherwise X-Forwarded-For is walked from the right, skipping addresses of trusted proxies, and
 *   the first untrusted address is the client (entries to its left were written by the client
 *   itself and are not believed);
 * - if every hop is trusted, the left-most address is returned.
 *
 * Returns `undefined` when the client cannot be determined (no peer address, or a trusted proxy
 * forwarded something that is not an IP address): treat that as "no IP", never as allowed.
 * Addresses are normalised (`::ffff:10.0.0.1` → `10.0.0.1`).
 */
export function clientIp(
  remoteAddress: string | undefined | null,
  xForwardedFor: string | readonly string[] | undefined | null,
  trustedProxies: IpAllowList | readonly string[],
): string | undefined {
  const trusted =
    trustedProxies instanceof IpAllowList ? trustedProxies : new IpAllowList(trustedProxies);
  if (typeof remoteAddress !== 'string') return undefined;
  const peer = parseIp(remoteAddress);
  if (peer === undefined) return undefined;
  if (!trusted.contains(peer.address)) return peer.address;

  const header = typeof xForwardedFor === 'string' ? xForwardedFor : xForwardedFor?.join(',');
  const hops = (header ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  let current = peer;
  for (let i = hops.length - 1, seen = 0; i >= 0; i--, seen++) {
    if (seen >= MAX_FORWARDED_HOPS) return undefined;
    const hop = parseForwardedElement(hops[i] ?? '');
    if (hop === undefined) return undefined;
    current = hop;
    if (!trusted.contains(current.address)) return current.address;
  }
  return current.address;
}
