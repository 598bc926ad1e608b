package com.example.textkit;

import java.util.Locale;

/** Counts of a text, and its Flesch reading-ease score. */
public record TextStats(int sentences, int words, int syllables) {

    public static TextStats of(String text) {
        int sentences = 0;
        int words = 0;
        int syllables = 0;
        for (String sentence : text.split("[.!?]+")) {
            if (sentence.isBlank()) {
                continue;
            }
            sentences++;
            for (String word : sentence.trim().split("[^A-Za-z']+")) {
                if (!word.isEmpty()) {
                    words++;
                    syllables += syllables(word);
                }
            }
        }
        return new TextStats(sentences, words, syllables);
    }

    /** Vowel groups, less a silent final e, at least one. */
    static int syllables(String word) {
        String w = word.toLowerCase(Locale.ROOT).replace("'", "");
        int count = 0;
        boolean inVowels = false;
        for (char c : w.toCharArray()) {
            boolean vowel = "aeiouy".indexOf(c) >= 0;
            if (vowel && !inVowels) {
                count++;
            }
            inVowels = vowel;
        }
        if (w.endsWith("e") && !w.endsWith("le") && count > 1) {
            count--;
        }
        return Math.max(count, 1);
    }

    public double readingEase() {
        if (sentences == 0 || words == 0) {
            return 0;
        }
        return 206.835 - 1.015 * ((double) words / sentences) - 84.6 * ((double) syllables / words);
    }
}
