package com.example.quotes;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class QuotesTest {

    @Test
    public void wrapsAround() {
        assertEquals(Quotes.get(0), Quotes.get(Quotes.ALL.size()));
        assertEquals(Quotes.get(Quotes.ALL.size() - 1), Quotes.get(-1));
    }

    @Test
    public void escapesJson() {
        assertTrue(Quotes.toJson(3).startsWith("{\"id\":3,\"quote\":\"There are only"));
    }
}
