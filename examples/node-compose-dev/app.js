const express = require("express");

const app = express();
app.use(express.json());

const bookmarks = [
  { id: 1, url: "https://example.com/multi-stage", title: "Multi-stage builds" },
  { id: 2, url: "https://example.com/compose", title: "Compose for development" },
];

app.get("/", (req, res) => {
  res.json({ service: "bookmarks", count: bookmarks.length });
});

app.get("/bookmarks", (req, res) => {
  const q = String(req.query.q || "").toLowerCase();
  res.json(bookmarks.filter((b) => b.title.toLowerCase().includes(q)));
});

app.get("/healthz", (req, res) => {
  res.send("ok");
});

module.exports = app;
