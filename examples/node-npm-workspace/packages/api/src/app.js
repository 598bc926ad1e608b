const express = require("express");
const { formatCents, balance } = require("@ledger/money");

const entries = [
  { label: "rent", cents: -95000 },
  { label: "salary", cents: 312550 },
  { label: "groceries", cents: -18420 },
];

function createApp() {
  const app = express();
  app.get("/", (_req, res) => res.json({ service: "ledger-api", entries: entries.length }));
  app.get("/balance", (req, res) => {
    const currency = String(req.query.currency || "EUR");
    res.json({ cents: balance(entries), text: formatCents(balance(entries), currency) });
  });
  app.get("/entries", (_req, res) =>
    res.json(entries.map((e) => ({ ...e, text: formatCents(e.cents) }))),
  );
  return app;
}

module.exports = { createApp };
