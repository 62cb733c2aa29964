// A minimal XML reader for Polygon's problem.xml: elements, attributes, text, the five named
// entities and numeric character references; comments, processing instructions and CDATA are
// skipped or kept as text. Deliberately not a general parser: no DTDs, no namespaces.
import { LmlabError } from '../../util/errors.ts';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

export function parseXml(source: string, where: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>|<\/\s*([\w:.-]+)\s*>|<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    const top = stack[stack.length - 1];
    top.text += decode(source.slice(last, m.index));
    last = tag.lastIndex;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[2]) {
      if (top.name !== m[2]) throw new LmlabError(`${where}: </${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[3]) {
      const attrs: Record<string, string> = {};
      for (const a of m[4].matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]] = decode(a[2] ?? a[3]);
      const element: XmlElement = { name: m[3], attrs, children: [], text: '' };
      top.children.push(element);
      if (!m[5]) stack.push(element);
    }
  }
  if (stack.length !== 1) throw new LmlabError(`${where}: <${stack[stack.length - 1].name}> is never closed`);
  if (/<(?![!?])/.test(source.slice(last))) throw new LmlabError(`${where}: malformed tag near the end`);
  const top = root.children[0];
  if (!top) throw new LmlabError(`${where}: no root element`);
  return top;
}

/** The first descendant reached by a path of element names ("judging/testset"). */
export function child(element: XmlElement | undefined, path: string): XmlElement | undefined {
  let at = element;
  for (const name of path.split('/')) at = at?.children.find((c) => c.name === name);
  return at;
}

export function children(element: XmlElement | undefined, path: string): XmlElement[] {
  const parts = path.split('/');
  const last = parts.pop()!;
  const parent = parts.length ? child(element, parts.join('/')) : element;
  return parent?.children.filter((c) => c.name === last) ?? [];
}
