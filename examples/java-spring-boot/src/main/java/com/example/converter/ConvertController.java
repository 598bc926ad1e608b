package com.example.converter;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class ConvertController {

    @GetMapping("/")
    public Map<String, Object> index() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service", "converter");
        body.put("units", Units.all());
        return body;
    }

    @GetMapping("/convert")
    public ResponseEntity<Map<String, Object>> convert(
            @RequestParam BigDecimal value, @RequestParam String from, @RequestParam String to) {
        Map<String, Object> body = new LinkedHashMap<>();
        try {
            body.put("value", value);
            body.put("from", from);
            body.put("to", to);
            body.put("result", Units.convert(value, from, to).toPlainString());
            return ResponseEntity.ok(body);
        } catch (IllegalArgumentException e) {
            body.put("error", e.getMessage());
            return ResponseEntity.badRequest().body(body);
        }
    }

    @GetMapping("/healthz")
    public Map<String, String> health() {
        return Map.of("status", "ok");
    }
}
