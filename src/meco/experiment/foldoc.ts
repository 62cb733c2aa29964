// Splits the dictd text of FOLDOC (Debian's dict-foldoc, usr/share/dictd/foldoc.dict.dz once
// gunzipped) into one labelled document per headword entry, the label being the entry's first
// category. Not here: downloading, gunzipping and URL building (debian.ts), and no use
// of foldoc.index: the text alone is enough, so the reader fits the one-file `documents` hook.
//
// Layout of the text, as dictfmt writes it: an entry opens with one or more headword lines at
// column 0 (the headword, then aliases), a blank line, then the indented definition. Long
// definition lines are sometimes wrapped back to column 0 too, which is why opensEntry also
// looks at the line before (see there). On the Debian package this finds the same entries as
// foldoc.index, give or take three in the front matter and the Debian appendix.
//
// Categories are written as "<networking>" or "<language, humour>" at the start of the
// definition or of a later sense ("1. {byte}.  2. <language> ..."), possibly after a
// pronunciation "/.../" or a short parenthetical. Angle brackets anywhere else are e-mail
// addresses, HTML or code, not categories.

export interface FoldocEntry {
  headword: string;
  /** the category tags in order of appearance, each split on commas; empty when uncategorised */
  categories: string[];
  /** the entry with its category tags removed */
  text: string;
}

// A category tag: words, spaces and a few joiners, comma-separated. Nothing with @ . / : = "
// inside, so e-mail addresses and markup with attributes never count.
const TAG = String.raw`<([A-Za-z][A-Za-z0-9 '&+-]*(?:,\s*[A-Za-z][A-Za-z0-9 '&+-]*)*)>`;
// Where a tag counts: the start of the definition or of one of its paragraphs (after an
// optional /pronunciation/ and "(...)"), or right after a sense number. Paragraphs indented
// deeper than the usual three spaces are examples (BNF, IRC logs, HTML), whose <...> stay.
const LEAD = String.raw`(?:(?:^\s*|\n[ \t]*\n {0,3})(?:\/[^/\n]{1,60}\/\s*)?(?:\([^()\n]{1,80}\)\s*)?(?:\d+\.\s+)?|\s\d+\.\s+)`;
const CATEGORY = new RegExp(`${LEAD}${TAG}[ \\t]?`, 'g');

const isBlank = (line: string): boolean => line.trim() === '';
const atColumn0 = (line: string): boolean => !/^\s/.test(line);

// Headword lines at column 0, then a blank line, then an indented definition. Entries are
// separated by an empty line, except a handful that follow the previous entry's closing line
// directly: its "(1994-10-20)" date stamp or a one-line "{cross-reference}" stub. Allowing any
// line there would let wrapped sentence ends ("Illinois].") open entries. A line of spaces is
// not a separator: the source leaves one where a long URL was wrapped to the next line.
function opensEntry(lines: string[], i: number): boolean {
  if (isBlank(lines[i]) || !atColumn0(lines[i])) return false;
  if (i > 0 && lines[i - 1] !== '' && !/^\s+(\(\d{4}-\d\d-\d\d\)|\{[^{}]+\})$/.test(lines[i - 1])) return false;
  let j = i;
  while (j < lines.length && !isBlank(lines[j]) && atColumn0(lines[j])) j++;
  if (j === lines.length || !isBlank(lines[j])) return false;
  while (j < lines.length && isBlank(lines[j])) j++;
  return j < lines.length && !atColumn0(lines[j]);
}

/** Entries of a dictd FOLDOC text, in file order; dictd's own 00-database-* entries are dropped. */
export function foldocEntries(text: string): FoldocEntry[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) if (opensEntry(lines, i)) starts.push(i);
  const entries: FoldocEntry[] = [];
  starts.forEach((start, k) => {
    const raw = lines
      .slice(start, starts[k + 1] ?? lines.length)
      .join('\n')
      .trim();
    // the first headword line may list several names joined by %%% (dictfmt's alias syntax)
    const headword = raw.split('\n')[0].split('%%%')[0].trim();
    if (/^00-?database/.test(headword)) return;
    const blank = raw.search(/\n\s*\n/);
    const head = blank < 0 ? raw : raw.slice(0, blank);
    const body = blank < 0 ? '' : raw.slice(blank);
    const categories: string[] = [];
    // scanned from the definition's first line, so that ^ in LEAD is the start of the definition
    const definition = body.replace(/^\s*\n/, '');
    const stripped = definition.replace(CATEGORY, (match: string, list: string) => {
      categories.push(
        ...list
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      return match.slice(0, match.lastIndexOf('<'));
    });
    entries.push({ headword, categories, text: `${head}\n\n${stripped}`.trim() });
  });
  return entries;
}

/**
 * One document per categorised entry, labelled with its first category. Uncategorised entries
 * (about a third: cross-reference stubs, Jargon File items, language-list blurbs) give no
 * document: a catch-all label would be the biggest class while grouping nothing, which is the
 * opposite of what a source label is for. The category tags are removed from the text, since
 * they would hand the label to the model as the document's first tokens.
 */
export function foldocDocuments(text: string): Array<{ text: string; label: string; id: string }> {
  return foldocEntries(text)
    .filter((e) => e.categories.length > 0)
    .map((e) => ({ text: e.text, label: e.categories[0], id: e.headword }));
}
