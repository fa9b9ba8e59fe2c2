import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** What a raw number from a contact-centre platform turned out to be. */
export type PhoneNumberKind = 'e164' | 'extension' | 'anonymous' | 'unknown';

export interface NormalisedNumber {
  kind: PhoneNumberKind;
  /** E.164 (`+33612345678`) for `e164`; the cleaned digits for an extension; else the raw text. */
  value: string;
  /** Only for `e164`: whether the number is valid for its country's numbering plan, not just possible. */
  valid?: boolean;
}

export interface PhoneNumberPlan {
  /** ISO 3166 country whose national format numbers without a `+` or `00` prefix use (`FR`). */
  defaultRegion: CountryCode;
  /** Digit strings up to this length are internal extensions or short codes, never E.164. */
  extensionMaxDigits: number;
}

const ANONYMOUS = new Set(['anonymous', 'unknown', 'private', 'restricted', 'unavailable', '']);

/**
 * Normalises the numbers platforms report (caller ids, dialled numbers, SIP URIs) with
 * libphonenumber's metadata, so the same customer is the same string whatever the trunk sent:
 * national `0612345678`, `+33 6 12 34 56 78` and `0033612345678` all become `+33612345678`.
 */
export class PhoneNumberNormaliser {
  private readonly cache = new Map<string, NormalisedNumber>();

  constructor(private readonly plan: PhoneNumberPlan) {}

  normalise(raw: string | undefined | null): NormalisedNumber {
    const text = (raw ?? '').trim();
    const cached = this.cache.get(text);
    if (cached) return cached;
    const result = this.classify(text);
    // Busy centres see the same few thousand numbers over and over; parsing is the costly part.
    if (this.cache.size >= 50_000) this.cache.clear();
    this.cache.set(text, result);
    return result;
  }

  /** The string to show and store: E.164 when possible, else the cleaned value. */
  display(raw: string | undefined | null): string {
    return this.normalise(raw).value;
  }

  private classify(text: string): NormalisedNumber {
    const user = userPartOf(text);
    if (ANONYMOUS.has(user.toLowerCase()) || user === '<unknown>') {
      return { kind: 'anonymous', value: user || 'anonymous' };
    }
    const compact = user.replace(/[\s().-]/g, '');
    if (/^\d+$/.test(compact) && compact.length <= this.plan.extensionMaxDigits) {
      return { kind: 'extension', value: compact };
    }
    const parsed = parsePhoneNumberFromString(compact, this.plan.defaultRegion);
    if (parsed?.isPossible()) {
      return { kind: 'e164', value: parsed.number, valid: parsed.isValid() };
    }
    return { kind: 'unknown', value: user };
  }
}

/** `sip:+33612345678@trunk;user=phone` → `+33612345678`; `"Alice" <1001>` → `1001`. */
function userPartOf(text: string): string {
  let value = text;
  const angle = /<([^>]*)>/.exec(value);
  if (angle && angle[1] !== 'unknown') value = angle[1] ?? '';
  value = value.replace(/^(sips?|tel):/i, '');
  const at = value.indexOf('@');
  if (at >= 0) value = value.slice(0, at);
  const semi = value.indexOf(';');
  if (semi >= 0) value = value.slice(0, semi);
  return value.trim();
}
