import { clientIp, IpAllowList, parseCidr, parseIp } from './ip';

describe('parseIp', () => {
  it('normalises IPv4-mapped IPv6, brackets and zones', () => {
    expect(parseIp('10.1.2.3')).toEqual({ address: '10.1.2.3', family: 'ipv4' });
    expect(parseIp('::ffff:10.1.2.3')).toEqual({ address: '10.1.2.3', family: 'ipv4' });
    expect(parseIp('::FFFF:a01:203')).toEqual({ address: '10.1.2.3', family: 'ipv4' });
    expect(parseIp('0:0:0:0:0:ffff:10.1.2.3')).toEqual({ address: '10.1.2.3', family: 'ipv4' });
    expect(parseIp('[2001:DB8::1]')).toEqual({ address: '2001:db8::1', family: 'ipv6' });
    expect(parseIp('fe80::1%eth0')).toEqual({ address: 'fe80::1', family: 'ipv6' });
    // Not mapped: ::ffff:0:0 must sit in groups 5-6, not elsewhere.
    expect(parseIp('::ffff:0:a01:203')?.family).toBe('ipv6');
    expect(parseIp('1::ffff:a01:203')?.family).toBe('ipv6');
    expect(parseIp('10.1.2')).toBeUndefined();
    expect(parseIp('unknown')).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('accepts v4, v6, bare addresses and mapped ranges', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ address: '10.0.0.0', prefix: 8 });
    expect(parseCidr('192.168.1.100')).toMatchObject({ prefix: 32 });
    expect(parseCidr('2001:db8::/32')).toMatchObject({ family: 'ipv6', prefix: 32 });
    expect(parseCidr('::1')).toMatchObject({ family: 'ipv6', prefix: 128 });
    expect(parseCidr('::ffff:10.0.0.0/104')).toMatchObject({
      address: '10.0.0.0',
      family: 'ipv4',
      prefix: 8,
    });
  });

  it('rejects bad input', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => parseCidr('10.0.0.0/')).toThrow(/prefix/);
    expect(() => parseCidr('10.0.0.0/8x')).toThrow(/prefix/);
    expect(() => parseCidr('2001:db8::/129')).toThrow(/prefix/);
    expect(() => parseCidr('::ffff:10.0.0.0/64')).toThrow(/≥ 96/);
    expect(() => parseCidr('example.com/24')).toThrow(/not a valid/);
    expect(() => parseCidr('fe80::%eth0/64')).toThrow(/zone/);
  });
});

describe('IpAllowList', () => {
  const list = new IpAllowList(['192.168.1.0/24', '10.0.0.5', '2001:db8:abcd::/48']);

  it('matches IPv4 ranges and single addresses', () => {
    expect(list.contains('192.168.1.100')).toBe(true);
    expect(list.contains('192.168.2.1')).toBe(false);
    expect(list.contains('10.0.0.5')).toBe(true);
    expect(list.contains('10.0.0.6')).toBe(false);
  });

  it('matches IPv6 ranges', () => {
    expect(list.contains('2001:db8:abcd:12::1')).toBe(true);
    expect(list.contains('2001:db8:abce::1')).toBe(false);
    expect(list.contains('::1')).toBe(false);
  });

  it('matches IPv4-mapped IPv6 against IPv4 rules and mapped rules against IPv4', () => {
    expect(list.contains('::ffff:192.168.1.7')).toBe(true);
    expect(list.contains('::ffff:c0a8:107')).toBe(true);
    expect(list.contains('::ffff:192.168.9.7')).toBe(false);
    const mapped = new IpAllowList(['::ffff:172.16.0.0/108']);
    expect(mapped.contains('172.16.3.4')).toBe(true);
    expect(mapped.contains('172.32.0.1')).toBe(false);
  });

  it('never matches garbage and an empty list matches nothing', () => {
    expect(list.contains('not-an-ip')).toBe(false);
    expect(list.contains(undefined)).toBe(false);
    expect(new IpAllowList([]).isEmpty).toBe(true);
    expect(new IpAllowList([]).contains('192.168.1.1')).toBe(false);
  });
});

describe('clientIp', () => {
  const proxies = new IpAllowList(['10.0.0.0/8', 'fd00::/8']);

  it('ignores X-Forwarded-For from an untrusted peer (spoofing)', () => {
    expect(clientIp('203.0.113.9', '192.168.1.100', proxies)).toBe('203.0.113.9');
    expect(clientIp('203.0.113.9', '10.0.0.1, 192.168.1.100', proxies)).toBe('203.0.113.9');
    expect(clientIp('203.0.113.9', '1.2.3.4', [])).toBe('203.0.113.9');
  });

  it('takes the right-most untrusted address through trusted proxies', () => {
    // The client forged "192.168.1.100"; proxy 10.0.0.2 appended the real address, 198.51.100.7.
    expect(clientIp('10.0.0.1', '192.168.1.100, 198.51.100.7, 10.0.0.2', proxies)).toBe(
      '198.51.100.7',
    );
    expect(clientIp('10.0.0.1', '198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(clientIp('::ffff:10.0.0.1', ['192.168.1.100', '198.51.100.7'], proxies)).toBe(
      '198.51.100.7',
    );
    expect(clientIp('fd00::1', '2001:db8::5, fd00::2', proxies)).toBe('2001:db8::5');
  });

  it('handles ports, brackets and mapped forms in X-Forwarded-For', () => {
    expect(clientIp('10.0.0.1', '198.51.100.7:5123', proxies)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', '[2001:db8::5]:443', proxies)).toBe('2001:db8::5');
    expect(clientIp('10.0.0.1', '::ffff:198.51.100.7', proxies)).toBe('198.51.100.7');
  });

  it('returns the peer when a trusted proxy sends no header, the left-most when all are trusted', () => {
    expect(clientIp('10.0.0.1', undefined, proxies)).toBe('10.0.0.1');
    expect(clientIp('10.0.0.1', '10.0.0.3, 10.0.0.2', proxies)).toBe('10.0.0.3');
  });

  it('gives up (undefined) rather than guessing', () => {
    expect(clientIp(undefined, '198.51.100.7', proxies)).toBeUndefined();
    expect(clientIp('10.0.0.1', 'unknown', proxies)).toBeUndefined();
    expect(clientIp('10.0.0.1', Array(40).fill('10.0.0.9').join(','), proxies)).toBeUndefined();
    // Garbage left of the first untrusted hop is never reached.
    expect(clientIp('10.0.0.1', 'garbage, 198.51.100.7', proxies)).toBe('198.51.100.7');
  });

  it('normalises a mapped peer address', () => {
    expect(clientIp('::ffff:203.0.113.9', undefined, proxies)).toBe('203.0.113.9');
  });
});
