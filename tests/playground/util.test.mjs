// The playground's header parsing (www/util.js), in Node: the textarea
// accepts `name: value` lines or a JSON object.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError, formatHeaders, parseHeaders } from '../../www/util.js';

describe('playground headers textarea', () => {
  test('name: value lines, trimmed; values keep their colons; repeats kept in order', () => {
    const text = 'Content-Type: application/json\r\n\n  signature-input : sig1=("@method");keyid="k";created=1\nsignature: sig1=:AbC=:\nx-a: 1\nx-a: 2\n';
    assert.deepEqual(parseHeaders(text), [
      ['Content-Type', 'application/json'],
      ['signature-input', 'sig1=("@method");keyid="k";created=1'],
      ['signature', 'sig1=:AbC=:'],
      ['x-a', '1'],
      ['x-a', '2'],
    ]);
  });

  test('a JSON object, with arrays for repeated headers and numbers', () => {
    assert.deepEqual(parseHeaders('{"digest": "SHA-256=x", "content-length": 12, "x-a": ["1", "2"]}'), [
      ['digest', 'SHA-256=x'],
      ['content-length', '12'],
      ['x-a', '1'],
      ['x-a', '2'],
    ]);
  });

  test('empty input is no headers; bad lines and bad JSON say where', () => {
    assert.deepEqual(parseHeaders('  \n '), []);
    assert.throws(
      () => parseHeaders('digest: x\nno colon here'),
      (err) => err instanceof InputError && /line 2/.test(err.message),
    );
    assert.throws(
      () => parseHeaders('bad name: x'),
      (err) => err instanceof InputError && /not a header name/.test(err.message),
    );
    assert.throws(
      () => parseHeaders('{"a": '),
      (err) => err instanceof InputError && /JSON/.test(err.message),
    );
    assert.throws(() => parseHeaders('{"a": {"b": 1}}'), InputError);
  });

  test('formatHeaders round-trips objects, pairs and Headers', () => {
    const object = { 'content-type': 'application/json', digest: 'SHA-256=x' };
    assert.equal(formatHeaders(object), 'content-type: application/json\ndigest: SHA-256=x');
    assert.deepEqual(parseHeaders(formatHeaders(object)), Object.entries(object));
    assert.equal(
      formatHeaders([
        ['a', '1'],
        ['a', '2'],
      ]),
      'a: 1\na: 2',
    );
    assert.equal(formatHeaders(new Headers({ B: '2', a: '1' })), 'a: 1\nb: 2');
  });
});
