package dev.forgeauth.cli.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * HTTP to one Forge Auth server (its front door) with java.net.http: JSON and form bodies, the server's
 * error answers turned into one-line {@link CliException}s.
 */
public final class Http {

    /** What the server answered. */
    public record Response(int status, HttpHeaders headers, String body, String method, String url) {

        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The body as JSON, or null when it is not JSON. */
        public JsonNode json() {
            return Json.parse(body);
        }

        /** The {@code error} code of an OAuth error answer, or null. */
        public String error() {
            return Json.text(json(), "error");
        }

        /** This answer as a CLI failure: the server's {@code error_description}, one line. */
        public CliException failure() {
            return Http.failure(this);
        }
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    private final String base;
    private final boolean debug;

    public Http(String server) {
        this.base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
        this.debug = "1".equals(System.getenv("FORGE_DEBUG"));
    }

    public String base() {
        return base;
    }

    public String url(String path) {
        return base + path;
    }

    public Response get(String path, String authorization) {
        return send("GET", path, headers(authorization), null);
    }

    public Response delete(String path, String authorization) {
        return send("DELETE", path, headers(authorization), null);
    }

    public Response postJson(String path, String authorization, JsonNode body) {
        Map<String, String> h = headers(authorization);
        h.put("Content-Type", "application/json");
        return send("POST", path, h, body == null ? "" : Json.compact(body));
    }

    public Response postForm(String path, String authorization, Map<String, String> form) {
        Map<String, String> h = headers(authorization);
        h.put("Content-Type", "application/x-www-form-urlencoded");
        return send("POST", path, h, form(form));
    }

    /** Any request; {@code body} null sends none. */
    public Response send(String method, String path, Map<String, String> headers, String body) {
        String url = url(path);
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("not a valid URL: " + Text.oneLine(url));
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT);
        if (body == null && method.equals("GET")) {
            rb.GET(); // no Content-Length: 0 on a GET
        } else if (body == null && method.equals("DELETE")) {
            rb.DELETE();
        } else {
            rb.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        rb.header("User-Agent", "forge-cli/" + Version.get());
        rb.header("Accept", "application/json");
        try {
            headers.forEach(rb::setHeader);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("invalid header: " + Text.oneLine(e.getMessage()));
        }
        if (debug) {
            System.err.println("forge: > " + method + " " + url);
        }
        try {
            HttpResponse<String> r = CLIENT.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (debug) {
                System.err.println("forge: < " + r.statusCode() + " (" + r.body().length() + " characters)");
            }
            return new Response(r.statusCode(), r.headers(), r.body(), method, url);
        } catch (HttpConnectTimeoutException e) {
            throw CliException.error("cannot reach " + base + ": connection timed out");
        } catch (HttpTimeoutException e) {
            throw CliException.error("no answer from " + base + " within " + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (ConnectException e) {
            throw CliException.error("cannot reach " + base + ": connection refused (is the server running? see --server)");
        } catch (IOException e) {
            throw CliException.error("cannot reach " + base + ": " + Text.oneLine(String.valueOf(e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.error("interrupted");
        }
    }

    public static Map<String, String> headers(String authorization) {
        Map<String, String> h = new LinkedHashMap<>();
        if (authorization != null) {
            h.put("Authorization", authorization);
        }
        return h;
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    /** RFC 6749 §2.3.1: id and secret form-urlencoded, then Basic. */
    public static String basic(String clientId, String secret) {
        String pair = enc(clientId) + ":" + enc(secret);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A path segment (an id the user typed): percent-encoded, so it cannot change the path. */
    public static String segment(String s) {
        return enc(s).replace("+", "%20");
    }

    static String form(Map<String, String> form) {
        StringJoiner j = new StringJoiner("&");
        form.forEach((k, v) -> {
            if (v != null) {
                j.add(enc(k) + "=" + enc(v));
            }
        });
        return j.toString();
    }

    /**
     * A failure from an error answer: the server's {@code error_description} (or {@code error}), the
     * code and the status. 401 is "not authenticated" (exit 3); anything else exit 1.
     */
    public static CliException failure(Response r) {
        JsonNode j = r.json();
        String error = Json.text(j, "error");
        String description = Json.text(j, "error_description");
        StringBuilder sb = new StringBuilder();
        if (description != null && !description.isBlank()) {
            sb.append(description);
            if (error != null) {
                sb.append(" (").append(error).append(", HTTP ").append(r.status()).append(')');
            } else {
                sb.append(" (HTTP ").append(r.status()).append(')');
            }
        } else if (error != null) {
            sb.append(error).append(" (HTTP ").append(r.status()).append(')');
        } else {
            sb.append("HTTP ").append(r.status()).append(" from ").append(r.method()).append(' ').append(r.url());
        }
        if (r.status() == 429) {
            r.headers().firstValue("Retry-After").ifPresent(s -> sb.append("; retry after ").append(s).append(" s"));
        }
        int code = r.status() == 401 ? CliException.AUTH : CliException.ERROR;
        return new CliException(code, Text.oneLine(sb.toString()));
    }
}
