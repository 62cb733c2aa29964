// The metadata rule of spec §2 on tricky URLs, the template bytes, and the label variants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONSTANT_LABEL,
  extractDomain,
  hashedLabel,
  labelFor,
  metadataTemplate,
  parseVariant,
  registeredDomain,
} from '../../src/meco/domain.ts';

test('domain extraction follows the spec rule exactly on tricky URLs', () => {
  const cases: Array<[string, string]> = [
    ['https://en.wikipedia.org/wiki/Bill_Gates', 'en.wikipedia.org'],
    ['http://www.example.com/a/b?c=d', 'www.example.com'], // www. is kept
    ['https://WWW.Example.COM/Path', 'WWW.Example.COM'], // no lower-casing
    ['https://host.org', 'host.org'], // no path at all
    ['https://host.org?q=1#frag', 'host.org?q=1#frag'], // no "/": everything is kept
    ['https://host.org:8080/x', 'host.org:8080'], // port kept
    ['https://user:pw@host.org/x', 'user:pw@host.org'],
    ['example.com/page', 'example.com'], // no scheme
    ['ftp://files.example.com/x', 'ftp:'], // only http(s) is stripped; the cut is at the first "/"
    ['HTTPS://upper.example.com/x', 'HTTPS:'], // the scheme match is exact too
    ['https://https://nested.com/x', 'https:'], // stripped once only
    ['//cdn.example.com/x', ''],
    ['https://[2001:db8::1]:443/x', '[2001:db8::1]:443'],
    ['https://münchen.de/straße', 'münchen.de'],
  ];
  for (const [url, domain] of cases) assert.equal(extractDomain(url), domain, url);
});

test('the template is "URL: " + label + two newlines, byte for byte', () => {
  assert.deepEqual(
    [...Buffer.from(metadataTemplate('en.wikipedia.org'))],
    [...Buffer.from('URL: en.wikipedia.org\n\n', 'utf8')],
  );
  assert.equal(Buffer.from(metadataTemplate('a.b')).toString('hex'), '55524c3a20612e620a0a');
});

test('registered domains, hashed and constant labels', () => {
  assert.equal(registeredDomain('news.bbc.co.uk'), 'bbc.co.uk');
  assert.equal(registeredDomain('en.wikipedia.org'), 'wikipedia.org');
  assert.equal(registeredDomain('user@www.example.com:8080'), 'example.com');
  assert.equal(registeredDomain('192.168.1.20:80'), '192.168.1.20');
  assert.equal(registeredDomain('localhost'), 'localhost');
  assert.match(hashedLabel('en.wikipedia.org'), /^h[0-9a-f]{8}$/);
  assert.equal(hashedLabel('a.org'), hashedLabel('a.org'));
  assert.notEqual(hashedLabel('a.org'), hashedLabel('b.org'));
  const url = 'https://docs.python.org/3/library/os.html';
  assert.equal(labelFor('domain', url), 'docs.python.org');
  assert.equal(labelFor('url', url), url);
  assert.equal(labelFor('registered', url), 'python.org');
  assert.equal(labelFor('hashed', url), hashedLabel('docs.python.org'));
  assert.equal(labelFor('constant', url), CONSTANT_LABEL);
  assert.equal(labelFor('shuffled', url, 'other.org'), 'other.org');
  assert.equal(labelFor('none', url), null);
  assert.throws(() => labelFor('shuffled', url), /permuted label/);
  assert.throws(() => parseVariant('bogus'), /unknown label variant "bogus"/);
});
