const Koa = require("koa");
const { racks, free, nearestWithRoom } = require("./racks");

function createApp() {
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.path === "/") {
      ctx.body = racks.map((r) => ({ id: r.id, free: free(r) }));
    } else if (ctx.path === "/nearest") {
      const rack = nearestWithRoom(racks, Number(ctx.query.need || 1));
      ctx.body = rack ? { id: rack.id, free: free(rack) } : { id: null };
    } else {
      ctx.status = 404;
      ctx.body = { error: "not found" };
    }
  });
  return app;
}

module.exports = { createApp };
