// The API reference builds without TypeDoc warnings: every public export is
// documented and every {@link} resolves (scripts/build-docs.mjs --check).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildDocs } from '../../scripts/build-docs.mjs';

test('the TypeDoc API reference builds with no warnings', { timeout: 120_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'upvest-docs-'));
  try {
    const result = buildDocs({ out });
    assert.deepEqual(result.errors, [], result.errors.join('\n'));
    assert.deepEqual(result.warnings, [], result.warnings.join('\n'));
    assert.ok(existsSync(join(out, 'index.html')), 'no index.html written');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
