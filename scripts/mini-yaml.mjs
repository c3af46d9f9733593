// A small YAML reader for the subset used by Upvest's OpenAPI files (block
// mappings and sequences, plain/single/double-quoted scalars, multi-line
// scalars, empty flow collections, `[a, b]`). Enough for
// scripts/gen-sample-events.mjs; not a general YAML parser. No dependencies.
//
// Plain scalars resolve as in YAML 1.1 (PyYAML's SafeLoader): null, booleans,
// decimal integers without leading zeros (`0123456789` stays a string),
// floats; timestamps and dates become `{ $timestamp: text }` so the caller
// can render them as the schema wants (date or date-time).

export class YamlError extends Error {}

/** Parses `text`; returns plain JS values. */
export function parseYaml(text) {
  const lines = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    if (/^\s*(#.*)?$/.test(raw)) {
      lines.push({ blank: true, no: i + 1, raw });
      continue;
    }
    if (/^\t/.test(raw)) throw new YamlError(`line ${i + 1}: tabs are not supported`);
    const indent = raw.match(/^ */)[0].length;
    lines.push({ indent, text: raw.slice(indent).replace(/\s+$/, ''), no: i + 1, raw });
  }
  let pos = 0;
  const skipBlank = () => {
    while (pos < lines.length && lines[pos].blank) pos += 1;
  };
  const current = () => {
    skipBlank();
    return lines[pos];
  };
  const isSeqItem = (t) => t === '-' || t.startsWith('- ');
  const MAP_KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s'"#\[\]{},&*!|>%@`-][^]*?|-[^\s][^]*?):(?: +|$)/;

  function fail(line, msg) {
    throw new YamlError(`line ${line?.no ?? 'EOF'}: ${msg}`);
  }

  function parseNode(indent) {
    const line = current();
    if (!line || line.indent < indent) return null;
    return isSeqItem(line.text) ? parseSequence(line.indent) : parseMapping(line.indent);
  }

  function parseMapping(indent) {
    const out = {};
    for (;;) {
      const line = current();
      if (!line || line.indent < indent) return out;
      if (line.indent > indent) fail(line, 'unexpected indentation');
      if (isSeqItem(line.text)) return out; // a sequence at the parent's level ends this mapping
      const m = MAP_KEY.exec(line.text);
      if (!m) fail(line, `expected "key: value", got ${JSON.stringify(line.text)}`);
      const key = unquoteKey(m[1]);
      const rest = line.text.slice(m[0].length);
      pos += 1;
      if (Object.hasOwn(out, key)) fail(line, `duplicate key ${key}`);
      out[key] = valueAfterIndicator(rest, indent, line);
    }
  }

  function parseSequence(indent) {
    const out = [];
    for (;;) {
      const line = current();
      if (!line || line.indent !== indent || !isSeqItem(line.text)) {
        if (line && line.indent > indent) fail(line, 'unexpected indentation');
        return out;
      }
      const rest = line.text === '-' ? '' : line.text.slice(2).replace(/^ +/, '');
      const restIndent = line.indent + (line.text.length - rest.length);
      if (rest !== '' && (MAP_KEY.test(rest) && !/^["']/.test(rest) ? true : /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'):(?: |$)/.test(rest))) {
        // "- key: value": a mapping whose first key sits after the dash
        line.indent = restIndent;
        line.text = rest;
        out.push(parseMapping(restIndent));
      } else {
        pos += 1;
        out.push(valueAfterIndicator(rest, indent, line));
      }
    }
  }

  /** The value after "key:" or "- ": nested block, flow collection or (multi-line) scalar. */
  function valueAfterIndicator(rest, parentIndent, line) {
    if (rest === '') {
      const next = current();
      if (!next) return null;
      if (next.indent > parentIndent) return parseNode(next.indent);
      if (next.indent === parentIndent && isSeqItem(next.text) && !isSeqItem(line.text)) return parseSequence(parentIndent);
      return null;
    }
    if (/^[|>]/.test(rest)) fail(line, 'block scalars are not supported');
    if (rest.startsWith('[') || rest.startsWith('{')) return flow(rest, line);
    if (rest.startsWith('"')) return doubleQuoted(rest, line);
    if (rest.startsWith("'")) return singleQuoted(rest, line);
    // plain, possibly continued on more-indented lines
    const parts = [rest];
    for (;;) {
      const save = pos;
      let blanks = 0;
      while (pos < lines.length && lines[pos].blank) {
        blanks += 1;
        pos += 1;
      }
      const next = lines[pos];
      if (!next || next.indent <= parentIndent) {
        pos = save;
        break;
      }
      parts.push(blanks ? '\n'.repeat(blanks) : ' ', next.text);
      pos += 1;
    }
    return resolvePlain(parts.join('').replace(/ \n/g, '\n').replace(/\n /g, '\n'));
  }

  function gatherQuoted(rest, line, closes) {
    let text = rest;
    while (!closes(text)) {
      const next = lines[pos];
      if (!next) fail(line, 'unterminated quoted scalar');
      text += `\n${next.blank ? '' : next.text}`;
      pos += 1;
    }
    return text;
  }

  function doubleQuoted(rest, line) {
    const closes = (t) => /^"(?:[^"\\]|\\[^])*"/.test(t);
    const text = gatherQuoted(rest, line, closes);
    const m = /^"((?:[^"\\]|\\[^])*)"\s*$/.exec(text);
    if (!m) fail(line, 'text after a quoted scalar');
    let out = '';
    const body = m[1];
    for (let i = 0; i < body.length; i += 1) {
      const c = body[i];
      if (c === '\\') {
        const n = body[i + 1];
        i += 1;
        if (n === '\n') {
          while (body[i + 1] === ' ') i += 1;
          continue;
        }
        const esc = { n: '\n', t: '\t', '"': '"', '\\': '\\', '/': '/', ' ': ' ', r: '\r', 0: '\0' }[n];
        if (esc !== undefined) out += esc;
        else if (n === 'u' || n === 'x' || n === 'U') {
          const len = { x: 2, u: 4, U: 8 }[n];
          out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 1 + len), 16));
          i += len;
        } else fail(line, `unknown escape \\${n}`);
      } else if (c === '\n') {
        out = out.replace(/[ \t]+$/, '');
        let newlines = 0;
        while (body[i + 1] === '\n') {
          newlines += 1;
          i += 1;
        }
        out += newlines ? '\n'.repeat(newlines) : ' ';
        while (body[i + 1] === ' ') i += 1;
      } else out += c;
    }
    return out;
  }

  function singleQuoted(rest, line) {
    const closes = (t) => /^'(?:[^']|'')*'/.test(t);
    const text = gatherQuoted(rest, line, closes);
    const m = /^'((?:[^']|'')*)'\s*$/.exec(text);
    if (!m) fail(line, 'text after a quoted scalar');
    return m[1].replace(/''/g, "'").replace(/[ \t]*\n[ \t]*(\n*)/g, (_, more) => (more ? more : ' '));
  }

  function flow(rest, line) {
    if (rest === '[]') return [];
    if (rest === '{}') return {};
    const m = /^\[(.*)\]$/.exec(rest);
    if (!m) fail(line, `unsupported flow collection ${rest}`);
    return m[1].split(',').map((s) => s.trim()).map((s) => (s.startsWith("'") ? singleQuoted(s, line) : s.startsWith('"') ? doubleQuoted(s, line) : resolvePlain(s)));
  }

  function unquoteKey(k) {
    if (k.startsWith('"')) return doubleQuoted(k, null);
    if (k.startsWith("'")) return singleQuoted(k, null);
    return k;
  }

  const root = parseNode(0);
  if (current()) fail(current(), 'unexpected content');
  return root;
}

const TIMESTAMP = /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/;

function resolvePlain(s) {
  if (/^(?:~|null|Null|NULL)?$/.test(s)) return null;
  if (/^(?:true|True|TRUE)$/.test(s)) return true;
  if (/^(?:false|False|FALSE)$/.test(s)) return false;
  if (/^[-+]?(?:0|[1-9][0-9_]*)$/.test(s)) return Number(s.replace(/_/g, ''));
  if (/^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?$/.test(s) && /[0-9]/.test(s)) return Number(s.replace(/_/g, ''));
  if (TIMESTAMP.test(s)) return { $timestamp: s };
  return s;
}
