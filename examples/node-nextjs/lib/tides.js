// Hours of the next two high tides after a given hour, on a simple 12 h 25 min cycle.
const CYCLE_MINUTES = 12 * 60 + 25;

function nextHighTides(firstHighMinutes, fromMinutes, count = 2) {
  let t = firstHighMinutes;
  while (t < fromMinutes) t += CYCLE_MINUTES;
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push(format(t + i * CYCLE_MINUTES));
  }
  return out;
}

function format(minutes) {
  const m = minutes % (24 * 60);
  const hh = String(Math.floor(m / 60)).padStart(2, "0");
  const mm = String(m % 60).padStart(2, "0");
  return `${hh}:${mm}`;
}

module.exports = { nextHighTides, format, CYCLE_MINUTES };
