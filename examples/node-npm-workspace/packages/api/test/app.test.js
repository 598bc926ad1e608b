const test = require("node:test");
const assert = require("node:assert");
const { createApp } = require("../src/app");

test("GET /balance sums the entries through @ledger/money", async () => {
  const server = createApp().listen(0);
  try {
    const { port } = server.address();
    const res = await fetch(`http://127.0.0.1:${port}/balance?currency=USD`);
    assert.strictEqual(res.status, 200);
    assert.deepStrictEqual(await res.json(), { cents: 199130, text: "1,991.30 USD" });
  } finally {
    server.close();
  }
});
