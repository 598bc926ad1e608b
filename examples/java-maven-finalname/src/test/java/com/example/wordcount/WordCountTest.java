package com.example.wordcount;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import org.junit.Test;

public class WordCountTest {
    @Test
    public void countsRepeatedWords() {
        Map<String, Integer> counts = WordCount.count("The cat and THE hat");
        assertEquals(Integer.valueOf(2), counts.get("the"));
        assertEquals(4, counts.size());
    }

    @Test
    public void ignoresPunctuation() {
        assertEquals(Integer.valueOf(1), WordCount.count("hello, world!").get("world"));
    }

    @Test
    public void emptyTextHasNoWords() {
        assertTrue(WordCount.count("  ").isEmpty());
    }
}
