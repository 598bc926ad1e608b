package com.example.wordcount;

import java.util.Map;
import java.util.TreeMap;

/** Counts the words of the text given as arguments, or of a built-in sample. */
public final class WordCount {
    static final String SAMPLE = "the quick brown fox jumps over the lazy dog the end";

    private WordCount() {}

    static Map<String, Integer> count(String text) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String word : text.toLowerCase().split("[^a-z0-9']+")) {
            if (!word.isEmpty()) {
                counts.merge(word, 1, Integer::sum);
            }
        }
        return counts;
    }

    public static void main(String[] args) {
        String text = args.length > 0 ? String.join(" ", args) : SAMPLE;
        Map<String, Integer> counts = count(text);
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        System.out.println(total + " words, " + counts.size() + " distinct");
        counts.forEach((word, n) -> System.out.println(n + " " + word));
    }
}
