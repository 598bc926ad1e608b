const test = require("node:test");
const assert = require("node:assert");
const { nextHighTides, format } = require("../lib/tides");

test("formats minutes as hh:mm", () => {
  assert.strictEqual(format(65), "01:05");
  assert.strictEqual(format(24 * 60 + 5), "00:05");
});

test("the next two high tides after 09:00", () => {
  assert.deepStrictEqual(nextHighTides(250, 540), ["16:35", "05:00"]);
});
