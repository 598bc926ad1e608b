const Fastify = require("fastify");
const { toGrams, units } = require("@kitchen/units");

function build() {
  const app = Fastify();
  app.get("/", async () => ({ service: "kitchen-web", units }));
  app.get("/grams", async (req, reply) => {
    const amount = Number(req.query.amount ?? 1);
    const unit = String(req.query.unit ?? "cup_flour");
    try {
      return { amount, unit, grams: toGrams(amount, unit) };
    } catch (e) {
      reply.code(400);
      return { error: e.message };
    }
  });
  return app;
}

module.exports = { build };
