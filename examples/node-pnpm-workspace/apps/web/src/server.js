const { build } = require("./app");

build()
  .listen({ port: Number(process.env.PORT || 8080), host: "0.0.0.0" })
  .then((addr) => console.log(`kitchen-web on ${addr}`));
