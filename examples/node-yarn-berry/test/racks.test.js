const test = require("node:test");
const assert = require("node:assert");
const { racks, nearestWithRoom } = require("../src/racks");

test("the full market rack is skipped", () => {
  assert.strictEqual(nearestWithRoom(racks).id, "station");
});

test("a group of five goes to the library", () => {
  assert.strictEqual(nearestWithRoom(racks, 5).id, "library");
});

test("nobody fits fifty bikes", () => {
  assert.strictEqual(nearestWithRoom(racks, 50), null);
});
