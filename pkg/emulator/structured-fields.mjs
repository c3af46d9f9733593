// RFC 8941 structured fields: just enough of a careful parser for the
// `signature-input` and `signature` dictionaries of HTTP message signatures
// (and `content-digest`). Every member keeps the exact text of its value
// (inner list and parameters), which `@signature-params` must repeat byte for
// byte.

export class StructuredFieldError extends Error {}

const KEY_FIRST = /[a-z*]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const TOKEN_FIRST = /[A-Za-z*]/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;

class SfParser {
  constructor(text) {
    this.s = text;
    this.i = 0;
  }
  fail(what) {
    throw new StructuredFieldError(`${what} at offset ${this.i} of ${JSON.stringify(this.s.slice(0, 200))}`);
  }
  peek() {
    return this.s[this.i];
  }
  eof() {
    return this.i >= this.s.length;
  }
  skipSP() {
    while (this.s[this.i] === ' ') this.i += 1;
  }
  skipOWS() {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i += 1;
  }
  key() {
    if (!KEY_FIRST.test(this.peek() ?? '')) this.fail('expected a key');
    const start = this.i;
    while (!this.eof() && KEY_CHAR.test(this.peek())) this.i += 1;
    return this.s.slice(start, this.i);
  }
  bareItem() {
    const c = this.peek();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (c === '"') return this.string();
    if (c === ':') return this.byteSequence();
    if (c === '?') return this.boolean();
    if (c !== undefined && TOKEN_FIRST.test(c)) return this.token();
    return this.fail('expected a bare item');
  }
  number() {
    const start = this.i;
    if (this.peek() === '-') this.i += 1;
    if (!/[0-9]/.test(this.peek() ?? '')) this.fail('expected a digit');
    while (!this.eof() && /[0-9.]/.test(this.peek())) this.i += 1;
    const text = this.s.slice(start, this.i);
    if (/^-?[0-9]{1,15}$/.test(text)) return { type: 'integer', value: Number(text) };
    if (/^-?[0-9]{1,12}\.[0-9]{1,3}$/.test(text)) return { type: 'decimal', value: Number(text) };
    return this.fail(`invalid number ${JSON.stringify(text)}`);
  }
  string() {
    this.i += 1; // opening quote
    let out = '';
    for (;;) {
      if (this.eof()) this.fail('unterminated string');
      const c = this.s[this.i];
      this.i += 1;
      if (c === '\\') {
        const next = this.s[this.i];
        if (next !== '"' && next !== '\\') this.fail('invalid escape in string');
        out += next;
        this.i += 1;
      } else if (c === '"') {
        return { type: 'string', value: out };
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('invalid character in string');
        out += c;
      }
    }
  }
  token() {
    const start = this.i;
    this.i += 1;
    while (!this.eof() && TOKEN_CHAR.test(this.peek())) this.i += 1;
    return { type: 'token', value: this.s.slice(start, this.i) };
  }
  byteSequence() {
    this.i += 1;
    const end = this.s.indexOf(':', this.i);
    if (end < 0) this.fail('unterminated byte sequence');
    const text = this.s.slice(this.i, end);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) this.fail('invalid base64 in byte sequence');
    const bytes = Buffer.from(text, 'base64');
    if (bytes.toString('base64') !== text) this.fail('non-canonical base64 in byte sequence');
    this.i = end + 1;
    return { type: 'bytes', value: bytes, text };
  }
  boolean() {
    this.i += 1;
    const c = this.peek();
    if (c !== '0' && c !== '1') this.fail('invalid boolean');
    this.i += 1;
    return { type: 'boolean', value: c === '1' };
  }
  parameters() {
    const params = [];
    while (this.peek() === ';') {
      this.i += 1;
      this.skipSP();
      const key = this.key();
      /** @type {any} */
      let value = { type: 'boolean', value: true };
      if (this.peek() === '=') {
        this.i += 1;
        value = this.bareItem();
      }
      params.push([key, value]);
    }
    return params;
  }
  innerList() {
    this.i += 1; // "("
    const items = [];
    for (;;) {
      this.skipSP();
      if (this.peek() === ')') {
        this.i += 1;
        return { type: 'inner-list', items, params: this.parameters() };
      }
      const item = this.bareItem();
      items.push({ ...item, params: this.parameters() });
      const c = this.peek();
      if (c !== ' ' && c !== ')') this.fail('expected SP or ")" in inner list');
    }
  }
  dictionary() {
    const members = new Map();
    this.skipSP();
    if (this.eof()) return members;
    for (;;) {
      const key = this.key();
      /** @type {any} */
      let member;
      const valueStart = this.i + 1;
      if (this.peek() === '=') {
        this.i += 1;
        member = this.peek() === '(' ? this.innerList() : { ...this.bareItem(), params: this.parameters() };
        member.raw = this.s.slice(valueStart, this.i);
      } else {
        member = { type: 'boolean', value: true, params: this.parameters(), raw: null };
      }
      if (members.has(key)) throw new StructuredFieldError(`duplicate dictionary member ${JSON.stringify(key)}`);
      members.set(key, member);
      this.skipOWS();
      if (this.eof()) return members;
      if (this.peek() !== ',') this.fail('expected "," between dictionary members');
      this.i += 1;
      this.skipOWS();
      if (this.eof()) this.fail('trailing comma');
    }
  }
}

/**
 * Parses an RFC 8941 dictionary. Returns a Map of member name →
 * `{ type, value | items, params: [[key, bareItem]…], raw }` where `raw` is
 * the exact text after `name=`.
 */
export function parseDictionary(text) {
  const parser = new SfParser(text.replace(/^ +| +$/g, ''));
  return parser.dictionary();
}
