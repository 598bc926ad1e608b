const express = require('express');

const app = express();
app.use(express.json());

const notes = [
  { id: 1, text: 'build smaller images' },
  { id: 2, text: 'keep the same behaviour' },
];

app.get('/', (req, res) => {
  res.json({ service: 'node-express', notes: notes.length });
});

app.get('/notes', (req, res) => {
  const q = String(req.query.q || '').toLowerCase();
  res.json(notes.filter((n) => n.text.includes(q)));
});

app.get('/healthz', (req, res) => res.type('text').send('ok\n'));

module.exports = app;
