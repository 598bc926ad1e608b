// Free spaces per bike rack, and the nearest rack with room.
const racks = [
  { id: "station", spaces: 40, used: 38, distance: 120 },
  { id: "library", spaces: 12, used: 4, distance: 450 },
  { id: "market", spaces: 20, used: 20, distance: 80 },
];

function free(rack) {
  return rack.spaces - rack.used;
}

function nearestWithRoom(list, need = 1) {
  return list
    .filter((r) => free(r) >= need)
    .sort((a, b) => a.distance - b.distance)[0] || null;
}

module.exports = { racks, free, nearestWithRoom };
