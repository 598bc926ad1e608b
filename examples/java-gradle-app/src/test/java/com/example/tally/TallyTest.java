package com.example.tally;

import static org.junit.Assert.assertEquals;

import java.util.Map;
import org.junit.Test;

public class TallyTest {

    @Test
    public void countsWordsLongerThanTwoLetters() {
        Map<String, Integer> top = Tally.top("the cat and the hat and the bat", 2);
        assertEquals(Integer.valueOf(3), top.get("the"));
        assertEquals(Integer.valueOf(2), top.get("and"));
        assertEquals(2, top.size());
    }

    @Test
    public void ignoresShortWords() {
        assertEquals(0, Tally.top("a an of to", 5).size());
    }
}
