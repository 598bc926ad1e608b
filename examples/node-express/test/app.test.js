const test = require('node:test');
const assert = require('node:assert');
const request = require('supertest');
const app = require('../app');

test('GET / reports the service and note count', async () => {
  const res = await request(app).get('/');
  assert.strictEqual(res.status, 200);
  assert.deepStrictEqual(res.body, { service: 'node-express', notes: 2 });
});

test('GET /notes filters by query', async () => {
  const res = await request(app).get('/notes?q=smaller');
  assert.strictEqual(res.status, 200);
  assert.strictEqual(res.body.length, 1);
  assert.strictEqual(res.body[0].id, 1);
});
