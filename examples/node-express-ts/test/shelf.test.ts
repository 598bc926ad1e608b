import test from "node:test";
import assert from "node:assert";
import type { AddressInfo } from "node:net";
import { shelf, shorterThan } from "../src/shelf";
import { app } from "../src/app";

test("shorterThan keeps the short books, shortest first", () => {
  assert.deepStrictEqual(
    shorterThan(shelf, 300).map((b) => b.title),
    ["A Short Walk", "Small Gods"],
  );
});

test("GET /books?under=100", async () => {
  const server = app.listen(0);
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/books?under=100`);
    assert.strictEqual(res.status, 200);
    assert.deepStrictEqual(await res.json(), [{ title: "A Short Walk", pages: 96 }]);
  } finally {
    server.close();
  }
});
