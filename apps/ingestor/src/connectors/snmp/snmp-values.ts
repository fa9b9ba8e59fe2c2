import { ObjectType, type Varbind } from 'net-snmp';

/** SMI syntax of a varbind, as the agent sent it. */
export type SnmpSyntax =
  | 'Integer'
  | 'Counter32'
  | 'Counter64'
  | 'Gauge32'
  | 'TimeTicks'
  | 'OctetString'
  | 'OID'
  | 'IpAddress'
  | 'Opaque'
  | 'Null'
  | 'Boolean'
  | 'BitString'
  | 'NoSuchObject'
  | 'NoSuchInstance'
  | 'EndOfMibView'
  | 'Unknown';

/**
 * One varbind in plain types: counters as bigint (Counter64 does not fit a number and the two
 * widths wrap differently), other integers as numbers, octet strings as text (hex when not
 * printable), exceptions (`NoSuchObject`...) as null.
 */
export interface DecodedVarbind {
  oid: string;
  syntax: SnmpSyntax;
  value: number | bigint | string | boolean | null;
}

const SYNTAX_OF: Readonly<Record<number, SnmpSyntax>> = {
  [ObjectType.Boolean]: 'Boolean',
  [ObjectType.Integer]: 'Integer',
  [ObjectType.BitString]: 'BitString',
  [ObjectType.OctetString]: 'OctetString',
  [ObjectType.Null]: 'Null',
  [ObjectType.OID]: 'OID',
  [ObjectType.IpAddress]: 'IpAddress',
  [ObjectType.Counter]: 'Counter32',
  [ObjectType.Gauge]: 'Gauge32',
  [ObjectType.TimeTicks]: 'TimeTicks',
  [ObjectType.Opaque]: 'Opaque',
  [ObjectType.Counter64]: 'Counter64',
  [ObjectType.NoSuchObject]: 'NoSuchObject',
  [ObjectType.NoSuchInstance]: 'NoSuchInstance',
  [ObjectType.EndOfMibView]: 'EndOfMibView',
};

export const MAX_COUNTER32 = 2n ** 32n - 1n;
export const MAX_COUNTER64 = 2n ** 64n - 1n;

/** A varbind that carries no value: the object or instance does not exist at the agent. */
export function isException(syntax: SnmpSyntax): boolean {
  return syntax === 'NoSuchObject' || syntax === 'NoSuchInstance' || syntax === 'EndOfMibView';
}

/** Printable UTF-8 stays text; anything else (MAC addresses...) becomes `0a:c1:83`. */
function octetText(raw: Buffer): string {
  // Some agents NUL-terminate their strings; the terminator is no part of the text.
  let end = raw.length;
  while (end > 0 && raw[end - 1] === 0) end--;
  const text = raw.subarray(0, end).toString('utf8');
  const binary =
    (text.length === 0 && raw.length > 0) ||
    text.includes('\uFFFD') ||
    /[\u0000-\u0008\u000E-\u001F\u007F]/.test(text);
  return binary ? [...raw].map((byte) => byte.toString(16).padStart(2, '0')).join(':') : text;
}

/** net-snmp hands Counter64 over as the big-endian bytes of the BER integer. */
function counter64Of(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (Buffer.isBuffer(value)) {
    if (value.length === 0) return 0n;
    const number = BigInt(`0x${value.toString('hex')}`);
    return number <= MAX_COUNTER64 ? number : undefined;
  }
  return undefined;
}

/** Thrown for a varbind whose value does not match its syntax; the caller rejects that varbind. */
export class VarbindError extends Error {
  override readonly name = 'VarbindError';
}

export function decodeVarbind(varbind: Varbind): DecodedVarbind {
  const syntax: SnmpSyntax =
    varbind.type === undefined ? 'Unknown' : (SYNTAX_OF[varbind.type] ?? 'Unknown');
  const { oid, value } = varbind;
  const fail = (): never => {
    throw new VarbindError(`${oid}: ${syntax} value is malformed`);
  };
  switch (syntax) {
    case 'Integer':
    case 'Gauge32':
    case 'TimeTicks':
      return typeof value === 'number' && Number.isFinite(value) ? { oid, syntax, value } : fail();
    case 'Counter32':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0
        ? { oid, syntax, value: BigInt(value) }
        : fail();
    case 'Counter64': {
      const number = counter64Of(value);
      return number === undefined ? fail() : { oid, syntax, value: number };
    }
    case 'OctetString':
    case 'Opaque':
    case 'BitString':
      if (Buffer.isBuffer(value)) return { oid, syntax, value: octetText(value) };
      return typeof value === 'string' ? { oid, syntax, value } : fail();
    case 'OID':
    case 'IpAddress':
      return typeof value === 'string' ? { oid, syntax, value } : fail();
    case 'Boolean':
      return typeof value === 'boolean' ? { oid, syntax, value } : fail();
    case 'Null':
    case 'NoSuchObject':
    case 'NoSuchInstance':
    case 'EndOfMibView':
    case 'Unknown':
      return { oid, syntax, value: null };
  }
}

/** A number from an integer-like varbind, or undefined for text, OIDs and exceptions. */
export function numericValue(decoded: DecodedVarbind): number | undefined {
  if (typeof decoded.value === 'number') return decoded.value;
  if (typeof decoded.value === 'bigint') return Number(decoded.value);
  return undefined;
}

/** The value as JSON can hold it (bigint as a decimal string), for `raw`. */
export function jsonValue(decoded: DecodedVarbind): string | number | boolean | null {
  return typeof decoded.value === 'bigint' ? decoded.value.toString() : decoded.value;
}
