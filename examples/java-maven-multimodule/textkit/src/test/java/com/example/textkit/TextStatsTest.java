package com.example.textkit;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class TextStatsTest {

    @Test
    public void countsSentencesWordsAndSyllables() {
        TextStats s = TextStats.of("The cat sat. The dog ran away!");
        assertEquals(2, s.sentences());
        assertEquals(7, s.words());
        assertEquals(8, s.syllables());
    }

    @Test
    public void silentFinalE() {
        assertEquals(1, TextStats.syllables("make"));
        assertEquals(2, TextStats.syllables("table"));
        assertEquals(1, TextStats.syllables("the"));
    }

    @Test
    public void emptyTextScoresZero() {
        assertEquals(0.0, TextStats.of("  ").readingEase(), 0.0);
    }
}
