const test = require("node:test");
const assert = require("node:assert");
const { toGrams } = require("./index");

test("one and a half cups of flour", () => {
  assert.strictEqual(toGrams(1.5, "cup_flour"), 180);
});

test("unknown units are refused", () => {
  assert.throws(() => toGrams(1, "pinch"), /unknown unit/);
});
