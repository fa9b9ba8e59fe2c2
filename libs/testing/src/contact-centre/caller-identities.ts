import { type SeededRandom } from './seeded-random';

/**
 * The shapes a calling number takes on a French operator trunk:
 * - `national`: `0612345678` (mobile, landline or VoIP, as the operator presents it);
 * - `international`: E.164 `+41791234567`;
 * - `international-00`: the same with the `00` prefix, `0041791234567`;
 * - `extension`: an internal (non-agent) phone, `2xxx`;
 * - `withheld`: the caller hid the number (`anonymous`).
 */
export type CallerNumberFormat =
  'national' | 'international' | 'international-00' | 'extension' | 'withheld';

export const CALLER_NUMBER_FORMATS: readonly CallerNumberFormat[] = [
  'national',
  'international',
  'international-00',
  'extension',
  'withheld',
];

/** Relative weights of the formats of inbound callers. */
export type CallerNumberMix = Readonly<Record<CallerNumberFormat, number>>;

export const DEFAULT_CALLER_NUMBER_MIX: CallerNumberMix = {
  national: 0.55,
  international: 0.2,
  'international-00': 0.1,
  extension: 0.1,
  withheld: 0.05,
};

/** What agents dial out: mostly national numbers, some international ones with `00`. */
export const OUTBOUND_NUMBER_MIX: CallerNumberMix = {
  national: 0.8,
  international: 0,
  'international-00': 0.2,
  extension: 0,
  withheld: 0,
};

export interface CallerIdentity {
  /** As Asterisk shows it in `CallerIDNum`. */
  number: string;
  /** As Asterisk shows it in `CallerIDName`; `<unknown>` when the network gives none. */
  name: string;
  format: CallerNumberFormat;
}

/** Asterisk's text for an absent caller id field. */
export const UNKNOWN = '<unknown>';

const FIRST_NAMES = [
  'Zoé',
  'Léa',
  'Hugo',
  'Lucas',
  'Chloé',
  'Louis',
  'Emma',
  'Jules',
  'Inès',
  'Nathan',
  'Camille',
  'Théo',
];
const LAST_NAMES = [
  'Martin',
  'Bernard',
  'Petit',
  'Durand',
  'Moreau',
  'Lefèvre',
  'Garnier',
  'Roux',
  'Fontaine',
  'Chevalier',
];
const COMPANIES = ['SARL Dubois', 'Boulangerie Marchand', 'Garage Perrin', 'Cabinet Roussel'];

/** Third digit of metropolitan 06 mobiles (0639 is Mayotte's, 069x the Caribbean's). */
const FR_MOBILE_BLOCKS = ['1', '2', '4', '5', '7'];

/**
 * National significant numbers, by country code; each pattern stays inside fully allocated
 * mobile ranges (e.g. French 069x numbers belong to the overseas departments, not to FR).
 */
const INTERNATIONAL: readonly { code: string; nationalNumber: (random: SeededRandom) => string }[] =
  [
    { code: '33', nationalNumber: (r) => `6${r.pick(FR_MOBILE_BLOCKS)}${r.digits(7)}` },
    { code: '33', nationalNumber: (r) => `7${r.int(3, 9)}${r.digits(7)}` },
    { code: '32', nationalNumber: (r) => `4${r.int(7, 9)}${r.digits(7)}` },
    { code: '41', nationalNumber: (r) => `7${r.int(6, 9)}${r.digits(7)}` },
    { code: '44', nationalNumber: (r) => `7${r.int(1, 3)}${r.digits(8)}` },
    { code: '34', nationalNumber: (r) => `6${r.digits(8)}` },
    { code: '49', nationalNumber: (r) => `151${r.digits(8)}` },
    { code: '39', nationalNumber: (r) => `3${r.int(2, 4)}${r.digits(8)}` },
    { code: '212', nationalNumber: (r) => `6${r.int(0, 7)}${r.digits(7)}` },
  ];

/** Metropolitan landline blocks (overseas ones such as 0262 or 059x are other regions). */
const LANDLINE_BLOCKS = [
  '014',
  '015',
  '022',
  '024',
  '032',
  '038',
  '042',
  '047',
  '049',
  '053',
  '055',
];

function nationalNumber(random: SeededRandom): string {
  switch (random.int(0, 3)) {
    case 0:
      return `06${random.pick(FR_MOBILE_BLOCKS)}${random.digits(7)}`;
    case 1:
      return `07${random.int(3, 9)}${random.digits(7)}`;
    case 2:
      return `${random.pick(LANDLINE_BLOCKS)}${random.digits(7)}`;
    default:
      return `09${random.int(5, 7)}${random.digits(7)}`;
  }
}

/** A person or business name, or `<unknown>` (most calls carry no name). */
export function drawCallerName(random: SeededRandom): string {
  const roll = random.next();
  if (roll < 0.55) return UNKNOWN;
  if (roll < 0.9) return `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;
  return random.pick(COMPANIES);
}

/** A realistic calling party in one of the formats drawn from `mix`. */
export function drawCallerIdentity(
  random: SeededRandom,
  mix: CallerNumberMix = DEFAULT_CALLER_NUMBER_MIX,
): CallerIdentity {
  const format = random.weighted(mix);
  switch (format) {
    case 'national':
      return { format, number: nationalNumber(random), name: drawCallerName(random) };
    case 'international': {
      const country = random.pick(INTERNATIONAL);
      const number = `+${country.code}${country.nationalNumber(random)}`;
      return { format, number, name: drawCallerName(random) };
    }
    case 'international-00': {
      const country = random.pick(INTERNATIONAL);
      const number = `00${country.code}${country.nationalNumber(random)}`;
      return { format, number, name: drawCallerName(random) };
    }
    case 'extension':
      return {
        format,
        number: `2${random.digits(3)}`,
        name: `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`,
      };
    case 'withheld':
      return { format, number: 'anonymous', name: 'Anonymous' };
  }
}
