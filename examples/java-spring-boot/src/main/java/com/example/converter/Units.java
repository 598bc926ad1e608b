package com.example.converter;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.TreeMap;

/** Length and mass units, each as a factor of its base unit (metre, kilogram). */
public final class Units {

    private record Unit(String dimension, BigDecimal factor) {}

    private static final Map<String, Unit> UNITS = new TreeMap<>(Map.of(
            "mm", new Unit("length", new BigDecimal("0.001")),
            "m", new Unit("length", BigDecimal.ONE),
            "km", new Unit("length", new BigDecimal("1000")),
            "in", new Unit("length", new BigDecimal("0.0254")),
            "ft", new Unit("length", new BigDecimal("0.3048")),
            "mi", new Unit("length", new BigDecimal("1609.344")),
            "g", new Unit("mass", new BigDecimal("0.001")),
            "kg", new Unit("mass", BigDecimal.ONE),
            "lb", new Unit("mass", new BigDecimal("0.45359237")),
            "oz", new Unit("mass", new BigDecimal("0.028349523125"))));

    private Units() {}

    public static Map<String, String> all() {
        Map<String, String> out = new TreeMap<>();
        UNITS.forEach((name, unit) -> out.put(name, unit.dimension()));
        return out;
    }

    /** Converts value from one unit to another, rounded to 6 decimal places. */
    public static BigDecimal convert(BigDecimal value, String from, String to) {
        Unit a = UNITS.get(from);
        Unit b = UNITS.get(to);
        if (a == null || b == null) {
            throw new IllegalArgumentException("unknown unit: " + (a == null ? from : to));
        }
        if (!a.dimension().equals(b.dimension())) {
            throw new IllegalArgumentException("cannot convert " + a.dimension() + " to " + b.dimension());
        }
        return value.multiply(a.factor()).divide(b.factor(), 6, RoundingMode.HALF_EVEN).stripTrailingZeros();
    }
}
