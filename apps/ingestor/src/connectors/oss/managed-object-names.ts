/**
 * Reading distinguished names (3GPP `SubNetwork=North,ManagedElement=SITE001,...`, Nokia
 * `PLMN-PLMN/MRBTS-1/LNBTS-1/LNCEL-1`) without a full DN parser: sources emit simple values here.
 */

/** The value of the first RDN named `key` (case-sensitive), e.g. `ManagedElement`. */
export function rdnValue(dn: string, key: string, separator = ','): string | undefined {
  const assign = separator === '/' ? '-' : '=';
  for (const part of dn.split(separator)) {
    const at = part.indexOf(assign);
    if (at > 0 && part.slice(0, at).trim() === key) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** The value of the last RDN (the object itself): `...,EUtranCellFDD=SITE001-4G-1` → `SITE001-4G-1`. */
export function lastRdnValue(dn: string, separator = ','): string {
  const assign = separator === '/' ? '-' : '=';
  const last = dn.slice(dn.lastIndexOf(separator) + 1);
  const at = last.indexOf(assign);
  return at < 0 ? last.trim() : last.slice(at + 1).trim();
}

/** First match wins: 4G names contain 3G ones (`ENodeB` holds `NodeB`). */
const OBJECT_TECHNOLOGY: [RegExp, string][] = [
  [/NRCell|NRCELL|NRBTS|GNBCUCP|GNBDU/, '5G'],
  [/EUtranCell|LNCEL|LTECELL|LNBTS|ENodeB|ENBCUCP/, '4G'],
  [/UtranCell|WCEL|UMTSCELL|NodeB/, '3G'],
  // Nokia 2G cells are `.../BTS-n`; `MRBTS-` (a multi-radio site) is not one.
  [/GeranCell|GSMCELL|\/BTS-/, '2G'],
];

/** Technology of a managed object from its class names; undefined for site-level objects. */
export function technologyOfObject(name: string): string | undefined {
  for (const [pattern, technology] of OBJECT_TECHNOLOGY) if (pattern.test(name)) return technology;
  return undefined;
}
