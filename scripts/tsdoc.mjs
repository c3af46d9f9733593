// TSDoc for the generated event types (scripts/gen-event-types.mjs): how a
// schema's description, format, limits and default read as documentation,
// and the TypeScript spelling of property names and literals.

const FORMAT_NOTES = {
  uuid: 'a UUID',
  'date-time': 'an RFC 3339 date and time, for example `2021-07-21T14:10:00.000Z`',
  date: 'an RFC 3339 full date, `YYYY-MM-DD`',
  email: 'an e-mail address',
  url: 'a URL',
  uri: 'a URI',
  ISO4217: 'an ISO 4217 currency code',
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
export const propertyKey = (name) => (IDENTIFIER.test(name) ? name : `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
export const literal = (value) => (typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(value));
export const plainValue = (v) => (v && typeof v === 'object' && '$timestamp' in v ? v.$timestamp : v);

/** Makes text safe inside a TSDoc comment. */
export function escapeDoc(text) {
  return text.replace(/\*\//g, '*\\/').replace(/@/g, '\\@');
}

/** Upvest's enum lists (`* VALUE - meaning`) as Markdown lists with the values as code. */
export function tidyDescription(text) {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''));
  const out = [];
  for (const line of lines) {
    const m = /^\* (.+?) -(?: (.*))?$/.exec(line);
    if (m) {
      if (out.length && !out[out.length - 1].startsWith('- ') && out[out.length - 1] !== '') out.push('');
      const value = m[1] === '(empty string)' ? "`''` (empty string)" : `\`${m[1]}\``;
      out.push(m[2] ? `- ${value}: ${m[2].trim()}` : `- ${value}`);
    } else out.push(line);
  }
  return out.join('\n');
}

/** Documentation lines as one paragraph, each part ending as a sentence. */
export function inline(lines) {
  return lines
    .filter((l) => l && !l.startsWith('@'))
    .map((l) => l.replace(/\n+/g, ' ').trim())
    .map((l) => (/[.!?:)]$/.test(l) ? l : `${l}.`))
    .join(' ');
}

/** Renders TSDoc for `lines` (already escaped), indented by `indent`. */
export function docComment(lines, indent) {
  const body = lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (!body) return '';
  const parts = body.split('\n');
  if (parts.length === 1 && parts[0].length + indent.length < 110) return `${indent}/** ${parts[0]} */\n`;
  return `${indent}/**\n${parts.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}

/** The documentation lines of one schema: text, then format and limits, then the default. */
export function schemaDocs(s) {
  const lines = [];
  const text = s.description ?? s.title;
  if (typeof text === 'string' && text.trim()) lines.push(escapeDoc(tidyDescription(text)));
  const notes = [];
  if (s.format) notes.push(`Format \`${s.format}\`${FORMAT_NOTES[s.format] ? `: ${FORMAT_NOTES[s.format]}` : ''}.`);
  if (s.pattern) notes.push(`Pattern: \`${s.pattern}\`.`);
  if (s.minLength !== undefined && s.maxLength !== undefined) notes.push(`Length ${s.minLength} to ${s.maxLength}.`);
  else if (s.maxLength !== undefined) notes.push(`At most ${s.maxLength} characters.`);
  else if (s.minLength !== undefined) notes.push(`At least ${s.minLength} character${s.minLength === 1 ? '' : 's'}.`);
  if (s.minimum !== undefined) notes.push(`Minimum ${s.minimum}${s.exclusiveMinimum === true ? ' (exclusive)' : ''}.`);
  if (s.maximum !== undefined) notes.push(`Maximum ${s.maximum}${s.exclusiveMaximum === true ? ' (exclusive)' : ''}.`);
  if (s.minItems !== undefined) notes.push(`At least ${s.minItems} item${s.minItems === 1 ? '' : 's'}.`);
  if (s.maxItems !== undefined) notes.push(`At most ${s.maxItems} items.`);
  if (notes.length) lines.push('', escapeDoc(notes.join(' ')));
  if (s.default !== undefined) lines.push('', `@defaultValue \`${escapeDoc(literal(plainValue(s.default)))}\``);
  if (s.deprecated === true) lines.push('', '@deprecated');
  return lines;
}
