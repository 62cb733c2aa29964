// MeCo metadata: the domain of a document URL (as the MeCo paper's code takes it: drop a
// leading http:// or https://, keep everything before the first "/", no lower-casing, "www."
// kept), the "URL: <domain>\n\n" template, and the label variants used by the ablations and
// controls (full URL, registered domain, hashed label, constant label, shuffled labels, no
// metadata).
// Not here: tokenization (layout.ts), where URLs come from (experiment/sources.ts).
import { LmlabError } from '../util/errors.ts';

export type LabelVariant = 'domain' | 'url' | 'registered' | 'hashed' | 'constant' | 'shuffled' | 'none';
export const LABEL_VARIANTS: readonly LabelVariant[] = [
  'domain',
  'url',
  'registered',
  'hashed',
  'constant',
  'shuffled',
  'none',
];

/** The metadata string the paper prepends: tokenized on its own, never merged with the text. */
export function metadataTemplate(label: string): string {
  return `URL: ${label}\n\n`;
}

/** The URL's domain by the rule above, exactly: a scheme other than http/https is not special (the cut is at the first "/"). */
export function extractDomain(url: string): string {
  let rest = url;
  if (rest.startsWith('https://')) rest = rest.slice('https://'.length);
  else if (rest.startsWith('http://')) rest = rest.slice('http://'.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash);
}

// Second-level suffixes under which a registration sits one label deeper. A short list on
// purpose: the full Public Suffix List is not shipped, and the ablation only needs the common cases.
const TWO_LEVEL_SUFFIXES = new Set([
  'co.uk',
  'org.uk',
  'ac.uk',
  'gov.uk',
  'me.uk',
  'ltd.uk',
  'com.au',
  'net.au',
  'org.au',
  'edu.au',
  'gov.au',
  'co.jp',
  'ne.jp',
  'or.jp',
  'ac.jp',
  'co.nz',
  'org.nz',
  'co.za',
  'com.br',
  'com.cn',
  'com.mx',
  'co.in',
  'co.kr',
  'com.tw',
  'com.sg',
  'com.hk',
  'com.tr',
  'co.il',
]);

/** The registrable part of a domain ("news.bbc.co.uk" → "bbc.co.uk"); ports and user info are dropped. */
export function registeredDomain(domain: string): string {
  let host = domain;
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1) || host; // IPv6 literal
  const colon = host.indexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  if (/^\d+(\.\d+){3}$/.test(host)) return host; // IPv4 literal
  const labels = host.split('.').filter((l) => l.length > 0);
  if (labels.length <= 2) return labels.join('.');
  const lastTwo = labels.slice(-2).join('.');
  return TWO_LEVEL_SUFFIXES.has(lastTwo.toLowerCase()) ? labels.slice(-3).join('.') : lastTwo;
}

/** FNV-1a over the UTF-8 bytes: a stable 32-bit hash (labels, splits, dedup buckets). */
export function fnv1a(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** An opaque label that keeps the grouping of the domain but none of its words (the paper's hashed ablation). */
export function hashedLabel(domain: string): string {
  return `h${fnv1a(domain).toString(16).padStart(8, '0')}`;
}

export const CONSTANT_LABEL = 'www.example.com';

/**
 * The metadata for one document under a variant, or null for no metadata. `shuffled` needs
 * the label drawn for this document from the permutation (see shuffledDomains).
 */
export function labelFor(variant: LabelVariant, url: string, shuffled?: string): string | null {
  switch (variant) {
    case 'domain':
      return extractDomain(url);
    case 'url':
      return url;
    case 'registered':
      return registeredDomain(extractDomain(url));
    case 'hashed':
      return hashedLabel(extractDomain(url));
    case 'constant':
      return CONSTANT_LABEL;
    case 'shuffled':
      if (shuffled === undefined) throw new Error('shuffled labels need the permuted label of each document');
      return shuffled;
    case 'none':
      return null;
  }
}

export function parseVariant(name: string): LabelVariant {
  if (!(LABEL_VARIANTS as readonly string[]).includes(name))
    throw new LmlabError(`unknown label variant "${name}" (expected one of ${LABEL_VARIANTS.join(', ')})`);
  return name as LabelVariant;
}
