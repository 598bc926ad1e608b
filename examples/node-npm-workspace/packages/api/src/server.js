const { createApp } = require("./app");

const port = Number(process.env.PORT || 3000);
createApp().listen(port, "0.0.0.0", () => console.log(`ledger-api on :${port}`));
