package com.example.greet;

import java.util.ArrayList;
import java.util.List;

/** Prints a greeting per name given, or for a default list. */
public final class App {
    private App() {}

    static String greet(String name) {
        String n = name == null ? "" : name.trim();
        return n.isEmpty() ? "Hello!" : "Hello, " + n + "!";
    }

    static List<String> greetAll(String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            out.add(greet(n));
        }
        return out;
    }

    public static void main(String[] args) {
        String[] names = args.length > 0 ? args : new String[] {"Ada", "Grace", "Linus"};
        for (String line : greetAll(names)) {
            System.out.println(line);
        }
    }
}
