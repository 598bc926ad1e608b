// Pure helpers, shared by the page and the tests.
export function tip(amount, percent) {
  return Math.round(amount * percent) / 100;
}

export function table(amount, percents) {
  return percents.map((p) => `${p}%: ${tip(amount, p).toFixed(2)}`);
}
