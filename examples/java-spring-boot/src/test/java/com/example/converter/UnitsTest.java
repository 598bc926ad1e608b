package com.example.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class UnitsTest {

    @Test
    void convertsMilesToKilometres() {
        assertEquals("8.04672", Units.convert(new BigDecimal("5"), "mi", "km").toPlainString());
    }

    @Test
    void convertsPoundsToGrams() {
        assertEquals("453.59237", Units.convert(BigDecimal.ONE, "lb", "g").toPlainString());
    }

    @Test
    void refusesMixedDimensions() {
        assertThrows(IllegalArgumentException.class, () -> Units.convert(BigDecimal.ONE, "kg", "m"));
    }

    @Test
    void listsEveryUnit() {
        assertEquals(10, Units.all().size());
        assertEquals("mass", Units.all().get("oz"));
    }
}
