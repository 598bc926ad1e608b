// Kitchen unit conversions shared by the apps of the workspace.
const GRAMS_PER = { cup_flour: 120, cup_sugar: 200, tbsp_butter: 14, tsp_salt: 6 };

function toGrams(amount, unit) {
  const g = GRAMS_PER[unit];
  if (g === undefined) throw new Error(`unknown unit ${unit}`);
  return Math.round(amount * g);
}

module.exports = { toGrams, units: Object.keys(GRAMS_PER) };
