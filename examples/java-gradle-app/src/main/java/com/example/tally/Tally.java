package com.example.tally;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Prints the most frequent words of the files given (or of a bundled sample) as JSON. */
public final class Tally {
    private Tally() {}

    static Map<String, Integer> top(String text, int n) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z']+")) {
            if (w.length() > 2) {
                counts.merge(w, 1, Integer::sum);
            }
        }
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.sort((a, b) -> b.getValue() - a.getValue());
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : entries.subList(0, Math.min(n, entries.size()))) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        String text;
        if (args.length > 0) {
            StringBuilder sb = new StringBuilder();
            for (String a : args) {
                sb.append(Files.readString(Path.of(a))).append('\n');
            }
            text = sb.toString();
        } else {
            try (InputStream in = Tally.class.getResourceAsStream("/sample.txt")) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        Gson gson = new GsonBuilder().setPrettyPrinting().create();
        System.out.println(gson.toJson(top(text, 5)));
    }
}
