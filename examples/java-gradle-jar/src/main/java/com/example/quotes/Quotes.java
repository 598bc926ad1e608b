package com.example.quotes;

import java.util.List;

/** A fixed list of quotes, looked up by number or by day of the year. */
public final class Quotes {
    private Quotes() {}

    static final List<String> ALL = List.of(
            "Make it work, make it right, make it fast.",
            "Simplicity is prerequisite for reliability.",
            "Premature optimization is the root of all evil.",
            "There are only two hard things: cache invalidation and naming things.",
            "Programs must be written for people to read.");

    static String get(int n) {
        return ALL.get(Math.floorMod(n, ALL.size()));
    }

    static String toJson(int n) {
        String q = get(n).replace("\\", "\\\\").replace("\"", "\\\"");
        return "{\"id\":" + Math.floorMod(n, ALL.size()) + ",\"quote\":\"" + q + "\"}";
    }
}
