// runs against the compiled service (npm test compiles first, see "pretest")
require("reflect-metadata");
const test = require("node:test");
const assert = require("node:assert");
const { RatesService } = require("../dist/rates.service");

test("a letter to the UK costs the base price", () => {
  assert.deepStrictEqual(new RatesService().quote(90, "uk"), { grams: 90, zone: "uk", pence: 135 });
});

test("heavier parcels pay per started 250 g", () => {
  assert.strictEqual(new RatesService().quote(600, "eu").pence, 420 + 2 * 105);
});

test("an unknown zone is quoted as world", () => {
  assert.strictEqual(new RatesService().quote(100, "mars").zone, "world");
});
