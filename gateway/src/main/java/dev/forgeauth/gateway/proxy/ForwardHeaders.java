package dev.forgeauth.gateway.proxy;

import dev.forgeauth.gateway.auth.Authenticator;
import dev.forgeauth.gateway.auth.Identity;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What upstreams receive: identity only from the gateway (every client-sent {@code X-Auth-*} removed,
 * whatever its case), no client credentials on protected routes, one request id, and the forwarding
 * headers. Hop-by-hop headers are dropped by the proxy library (RFC 9110 §7.6.1).
 */
public final class ForwardHeaders {

    public static final String REQUEST_ID = "X-Request-Id";
    private static final Pattern REQUEST_ID_OK = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private ForwardHeaders() {
    }

    /** The client's request id if it is acceptable, else a new one. */
    public static String requestId(String sent) {
        if (sent != null && REQUEST_ID_OK.matcher(sent).matches()) {
            return sent;
        }
        return java.util.UUID.randomUUID().toString();
    }

    /**
     * Connection-level headers of the client's connection never reach the upstream: a client's
     * {@code Connection: close} would otherwise close a pooled upstream connection that the next
     * request is about to reuse (RFC 9110 §7.6.1).
     */
    public static void stripHopByHop(MultiMap headers) {
        String listed = headers.get("Connection");
        if (listed != null) {
            for (String name : listed.split(",")) {
                if (!name.isBlank()) {
                    headers.remove(name.trim());
                }
            }
        }
        for (String h : List.of("Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Upgrade", "TE")) {
            headers.remove(h);
        }
    }

    public static void stripSpoofedIdentity(MultiMap headers) {
        List<String> spoofed = new ArrayList<>();
        for (String name : headers.names()) {
            if (name.toLowerCase(Locale.ROOT).startsWith("x-auth-")) {
                spoofed.add(name);
            }
        }
        spoofed.forEach(headers::remove);
    }

    /** Removes the credentials a protected route's upstream must not see. */
    public static void stripCredentials(MultiMap headers) {
        headers.remove("Authorization");
        headers.remove(Authenticator.API_KEY_HEADER);
        List<String> cookies = headers.getAll("Cookie");
        if (cookies.isEmpty()) {
            return;
        }
        headers.remove("Cookie");
        StringBuilder kept = new StringBuilder();
        for (String header : cookies) {
            for (String pair : header.split(";")) {
                String p = pair.trim();
                if (p.isEmpty() || p.regionMatches(true, 0, Authenticator.SESSION_COOKIE + "=", 0,
                        Authenticator.SESSION_COOKIE.length() + 1)) {
                    continue;
                }
                if (kept.length() > 0) {
                    kept.append("; ");
                }
                kept.append(p);
            }
        }
        if (kept.length() > 0) {
            headers.set("Cookie", kept.toString());
        }
    }

    public static void addIdentity(MultiMap headers, Identity id) {
        if (id.subject() != null) {
            headers.set("X-Auth-Subject", id.subject());
        }
        if (id.clientId() != null) {
            headers.set("X-Auth-Client-Id", id.clientId());
        }
        headers.set("X-Auth-Scopes", id.scope() == null ? "" : id.scope());
        headers.set("X-Auth-Token-Type", id.tokenType());
    }

    public static void addForwarding(MultiMap headers, String clientAddress, String proto, String host) {
        headers.set("X-Forwarded-For", clientAddress);
        headers.set("X-Forwarded-Proto", proto);
        if (host != null) {
            headers.set("X-Forwarded-Host", host);
        }
        headers.remove("Forwarded");
    }

    /** The query string without {@code api_key} (it is a credential), or null when nothing is left. */
    public static String queryWithoutApiKey(String query) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (String pair : query.split("&")) {
            if (pair.equals("api_key") || pair.startsWith("api_key=")) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(pair);
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
