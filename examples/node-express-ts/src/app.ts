import express from "express";
import { shelf, shorterThan } from "./shelf";

export const app = express();

app.get("/", (_req, res) => {
  res.json({ service: "shelf-api", books: shelf.length });
});

app.get("/books", (req, res) => {
  const max = Number(req.query.under ?? Infinity);
  res.json(shorterThan(shelf, max));
});

app.get("/healthz", (_req, res) => {
  res.type("text/plain").send("ok");
});
