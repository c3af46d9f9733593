// The README's TypeScript examples are compiled, as written, by every compiler
// of run.test.mjs: each of their lines (imports aside) must appear in
// tests/types/doc-examples.ts, so editing one without the other fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const EXAMPLES = readFileSync(new URL('./doc-examples.ts', import.meta.url), 'utf8');

/** The ```ts blocks of a Markdown text, each as `{ line, code }` (`line`: where it starts). */
function tsBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end) });
    i = end;
  }
  return blocks;
}

test('README.md: every line of its TypeScript examples is in tests/types/doc-examples.ts (which tsc 5.9, 6, 7 and deno check compile)', () => {
  const blocks = tsBlocks(README);
  assert.ok(blocks.length > 0, 'README.md has no ```ts example (the "### Typed events" section has one)');
  const compiled = new Set(EXAMPLES.split('\n').map((l) => l.trim()));
  const missing = [];
  for (const { line, code } of blocks) {
    code.forEach((text, i) => {
      const trimmed = text.trim();
      if (trimmed && !trimmed.startsWith('import ') && !compiled.has(trimmed)) missing.push(`README.md:${line + i}: ${trimmed}`);
    });
  }
  assert.deepEqual(missing, [], 'README lines not in tests/types/doc-examples.ts: copy the example there, as written');
});

test('tsBlocks: finds ```ts blocks only, with their starting line', () => {
  const md = 'a\n```ts\nconst x = 1;\n```\n```js\nno();\n```\n```ts\n\ny();\n```\n';
  assert.deepEqual(tsBlocks(md), [
    { line: 3, code: ['const x = 1;'] },
    { line: 9, code: ['', 'y();'] },
  ]);
});
