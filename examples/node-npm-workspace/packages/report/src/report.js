#!/usr/bin/env node
// Prints a month's entries from a JSON file: `ledger-report march.json`.
const fs = require("node:fs");
const { formatCents, balance } = require("@ledger/money");

const entries = JSON.parse(fs.readFileSync(process.argv[2] || 0, "utf8"));
for (const e of entries) console.log(`${e.label.padEnd(20)} ${formatCents(e.cents)}`);
console.log(`${"balance".padEnd(20)} ${formatCents(balance(entries))}`);
