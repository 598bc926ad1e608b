package com.example.cli;

import com.example.textkit.TextStats;
import java.util.Locale;

/** Prints the reading-ease score of each argument, or of a few sample sentences. */
public final class Main {
    private Main() {}

    private static final String[] SAMPLES = {
        "The cat sat on the mat.",
        "Readability formulas estimate how difficult a passage is to understand.",
        "Notwithstanding considerable methodological heterogeneity, comparative evaluations "
            + "consistently demonstrate substantial interindividual variability.",
    };

    public static void main(String[] args) {
        String[] texts = args.length > 0 ? args : SAMPLES;
        for (String text : texts) {
            TextStats s = TextStats.of(text);
            System.out.printf(Locale.ROOT, "%6.1f  %2d words  %s%n", s.readingEase(), s.words(), text);
        }
    }
}
