package com.example.quotes;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** Serves quotes over HTTP with the JDK's built-in server. */
public final class Server {
    private Server() {}

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/")) {
                send(ex, 200, "{\"service\":\"quotes\",\"count\":" + Quotes.ALL.size() + "}");
            } else if (path.equals("/healthz")) {
                send(ex, 200, "ok");
            } else if (path.startsWith("/quotes/")) {
                try {
                    send(ex, 200, Quotes.toJson(Integer.parseInt(path.substring("/quotes/".length()))));
                } catch (NumberFormatException e) {
                    send(ex, 400, "{\"error\":\"not a number\"}");
                }
            } else {
                send(ex, 404, "{\"error\":\"not found\"}");
            }
        });
        server.start();
        System.out.println("quotes listening on :" + port);
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
