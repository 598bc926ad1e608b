const test = require("node:test");
const assert = require("node:assert");
const { build } = require("../src/app");

test("GET /grams converts with the shared units package", async () => {
  const res = await build().inject({ method: "GET", url: "/grams?amount=2&unit=cup_sugar" });
  assert.strictEqual(res.statusCode, 200);
  assert.deepStrictEqual(res.json(), { amount: 2, unit: "cup_sugar", grams: 400 });
});
