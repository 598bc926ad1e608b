package com.example.greet;

import static org.junit.Assert.assertEquals;

import java.util.Arrays;
import org.junit.Test;

public class AppTest {
    @Test
    public void greetsByName() {
        assertEquals("Hello, Ada!", App.greet(" Ada "));
    }

    @Test
    public void greetsNobody() {
        assertEquals("Hello!", App.greet(""));
    }

    @Test
    public void greetsEveryone() {
        assertEquals(Arrays.asList("Hello, A!", "Hello, B!"), App.greetAll("A", "B"));
    }
}
