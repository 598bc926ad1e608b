const { test } = require("node:test");
const assert = require("node:assert");
const app = require("../app");

function get(server, path) {
  const { port } = server.address();
  return fetch(`http://127.0.0.1:${port}${path}`).then((res) => res.json());
}

test("lists bookmarks matching a query", async () => {
  const server = app.listen(0);
  try {
    const found = await get(server, "/bookmarks?q=compose");
    assert.deepStrictEqual(found.map((b) => b.id), [2]);
  } finally {
    server.close();
  }
});

test("the index counts the bookmarks", async () => {
  const server = app.listen(0);
  try {
    assert.deepStrictEqual(await get(server, "/"), { service: "bookmarks", count: 2 });
  } finally {
    server.close();
  }
});
