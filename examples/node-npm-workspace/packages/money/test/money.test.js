const test = require("node:test");
const assert = require("node:assert");
const { formatCents, balance } = require("../dist/index.js");

test("cents are formatted with a thousands separator", () => {
  assert.strictEqual(formatCents(123456789), "1,234,567.89 EUR");
  assert.strictEqual(formatCents(-5, "USD"), "-0.05 USD");
});

test("the balance sums the entries", () => {
  assert.strictEqual(balance([{ label: "a", cents: 250 }, { label: "b", cents: -100 }]), 150);
});
