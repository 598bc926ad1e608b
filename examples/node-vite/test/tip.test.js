import test from 'node:test';
import assert from 'node:assert';
import { tip, table } from '../src/tip.js';

test('tip rounds to cents', () => {
  assert.strictEqual(tip(42, 15), 6.3);
  assert.strictEqual(tip(10, 12.5), 1.25);
});

test('table formats each percent', () => {
  assert.deepStrictEqual(table(42, [10, 20]), ['10%: 4.20', '20%: 8.40']);
});
