package dev.forgeauth.gateway.proxy;

import dev.forgeauth.gateway.auth.Authenticator;
import dev.forgeauth.gateway.auth.Identity;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What upstreams receive and what clients get back. Upstreams get identity only from the gateway (every
 * client-sent {@code X-Auth-*} removed, whatever its case, and every header whose name has an
 * underscore), no client credentials on protected routes,
 * one request id and the forwarding headers; neither side sees the other's hop-by-hop headers
 * (RFC 9110 §7.6.1). Each direction is one pass over the headers into a new map.
 */
public final class ForwardHeaders {

    public static final String REQUEST_ID = "X-Request-Id";

    private ForwardHeaders() {
    }

    /** The client's request id if it is acceptable (1–128 of {@code A-Za-z0-9._:-}), else a new one. */
    public static String requestId(String sent) {
        if (sent != null && acceptableId(sent)) {
            return sent;
        }
        // unique, not secret: a random (version 4) UUID from the thread's generator, not SecureRandom
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lsb = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    private static boolean acceptableId(String s) {
        int n = s.length();
        if (n == 0 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                    || c == ':' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Hop-by-hop headers (RFC 9110 §7.6.1) that never cross the gateway, in either direction. */
    static boolean hopByHop(String name) {
        switch (name.length()) {
            case 2:
                return name.equalsIgnoreCase("TE");
            case 7:
                return name.equalsIgnoreCase("Upgrade") || name.equalsIgnoreCase("Trailer");
            case 10:
                return name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Keep-Alive");
            case 16:
                return name.equalsIgnoreCase("Proxy-Connection");
            case 17:
                return name.equalsIgnoreCase("Transfer-Encoding");
            case 19:
                return name.equalsIgnoreCase("Proxy-Authorization") || name.equalsIgnoreCase("Proxy-Authenticate");
            default:
                return false;
        }
    }

    /** Whether {@code name} is one of the comma-separated names of a Connection header. */
    static boolean listedIn(String connection, String name) {
        int n = connection.length();
        int i = 0;
        while (i < n) {
            int comma = connection.indexOf(',', i);
            int end = comma < 0 ? n : comma;
            int a = i;
            int b = end;
            while (a < b && connection.charAt(a) <= ' ') {
                a++;
            }
            while (b > a && connection.charAt(b - 1) <= ' ') {
                b--;
            }
            if (b - a == name.length() && connection.regionMatches(true, a, name, 0, name.length())) {
                return true;
            }
            i = end + 1;
        }
        return false;
    }

    /** Request headers the gateway sets itself (or drops): the client's value never passes. */
    private static boolean replacedOnRequest(String name) {
        if (name.length() > 7 && name.regionMatches(true, 0, "X-Auth-", 0, 7)) {
            return true; // identity comes only from the gateway
        }
        switch (name.length()) {
            case 4:
                return name.equalsIgnoreCase("Host");
            case 6:
                return name.equalsIgnoreCase("Expect"); // the gateway answers 100-continue itself
            case 9:
                return name.equalsIgnoreCase("Forwarded");
            case 12:
                return name.equalsIgnoreCase(REQUEST_ID);
            case 15:
                return name.equalsIgnoreCase("X-Forwarded-For");
            case 16:
                return name.equalsIgnoreCase("X-Forwarded-Host");
            case 17:
                return name.equalsIgnoreCase("X-Forwarded-Proto");
            default:
                return false;
        }
    }

    private static boolean credential(String name) {
        return name.equalsIgnoreCase("Authorization") || name.equalsIgnoreCase(Authenticator.API_KEY_HEADER);
    }

    /**
     * The headers for the upstream request: the client's, less hop-by-hop headers, client-sent
     * identity and forwarding headers and (when {@code identity} is not null: a protected route) the
     * client's credentials; plus the identity, the request id and {@code X-Forwarded-For/Proto/Host}.
     */
    public static MultiMap upstreamRequest(MultiMap in, Identity identity, String requestId, String clientAddress,
            String proto, String host) {
        MultiMap out = HttpHeaders.headers();
        String connection = in.get(HttpHeaders.CONNECTION);
        for (Map.Entry<String, String> h : in) {
            String name = h.getKey();
            if (hopByHop(name) || replacedOnRequest(name) || connection != null && listedIn(connection, name)
                    || name.indexOf('_') >= 0) {
                // a name with '_' is dropped: CGI, WSGI, PHP and Rack read X_Auth_Scopes as X-Auth-Scopes
                // (both become HTTP_X_AUTH_SCOPES), so it could pass for a header only the gateway sets
                continue;
            }
            if (identity != null) {
                if (credential(name)) {
                    continue;
                }
                if (name.equalsIgnoreCase("Cookie")) {
                    String kept = withoutSessionCookie(h.getValue());
                    if (kept != null) {
                        out.add("Cookie", kept);
                    }
                    continue;
                }
            }
            out.add(name, h.getValue());
        }
        if (identity != null) {
            if (identity.subject() != null) {
                out.add("X-Auth-Subject", identity.subject());
            }
            if (identity.clientId() != null) {
                out.add("X-Auth-Client-Id", identity.clientId());
            }
            out.add("X-Auth-Scopes", identity.scope() == null ? "" : identity.scope());
            out.add("X-Auth-Token-Type", identity.tokenType());
        }
        out.add(REQUEST_ID, requestId);
        out.add("X-Forwarded-For", clientAddress);
        out.add("X-Forwarded-Proto", proto);
        if (host != null) {
            out.add("X-Forwarded-Host", host);
        }
        return out;
    }

    /** A Cookie header without the session cookie (a credential), or null when nothing is left. */
    static String withoutSessionCookie(String header) {
        if (!header.regionMatches(true, 0, Authenticator.SESSION_COOKIE, 0, Authenticator.SESSION_COOKIE.length())
                && header.toLowerCase(java.util.Locale.ROOT).indexOf(Authenticator.SESSION_COOKIE) < 0) {
            return header;
        }
        StringBuilder kept = new StringBuilder();
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
        return kept.length() == 0 ? null : kept.toString();
    }

    /**
     * Copies an upstream response's headers for the client: everything but hop-by-hop headers (and
     * those its Connection header names); the gateway's request id; a Date when the upstream sent none
     * (RFC 9110 §6.6.1).
     */
    public static void downstreamResponse(MultiMap upstream, MultiMap out, String requestId) {
        String connection = upstream.get(HttpHeaders.CONNECTION);
        boolean date = false;
        for (Map.Entry<String, String> h : upstream) {
            String name = h.getKey();
            if (hopByHop(name) || connection != null && listedIn(connection, name) || name.equalsIgnoreCase(REQUEST_ID)) {
                continue;
            }
            if (!date && name.length() == 4 && name.equalsIgnoreCase("Date")) {
                date = true;
            }
            out.add(name, h.getValue());
        }
        out.add(REQUEST_ID, requestId);
        if (!date) {
            out.add(HttpHeaders.DATE, HttpDate.now());
        }
    }

    /**
     * The query string without {@code api_key} (it is a credential), or null when nothing is left. A
     * parameter is {@code api_key} when its name decodes to it ({@code api%5Fkey}, {@code api%5fkey},
     * {@code %61pi_key}, {@code api+key} does not), as the lookup reads it.
     */
    public static String queryWithoutApiKey(String query) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        if (!query.contains("api_key") && query.indexOf('%') < 0) {
            return query;
        }
        StringBuilder sb = new StringBuilder();
        int n = query.length();
        boolean removed = false;
        for (int i = 0; i <= n;) {
            int amp = query.indexOf('&', i);
            int end = amp < 0 ? n : amp;
            int eq = query.indexOf('=', i);
            int nameEnd = eq < 0 || eq > end ? end : eq;
            if (isApiKey(query, i, nameEnd)) {
                removed = true;
            } else if (end > i) {
                if (sb.length() > 0) {
                    sb.append('&');
                }
                sb.append(query, i, end);
            }
            if (amp < 0) {
                break;
            }
            i = amp + 1;
        }
        if (!removed) {
            return query;
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** Whether {@code q[from, to)}, percent-decoded, is {@code api_key}. */
    static boolean isApiKey(String q, int from, int to) {
        String target = "api_key";
        int t = 0;
        for (int i = from; i < to; i++) {
            char c = q.charAt(i);
            if (c == '%') {
                if (i + 2 >= to) {
                    return false;
                }
                int hi = Character.digit(q.charAt(i + 1), 16);
                int lo = Character.digit(q.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return false;
                }
                c = (char) (hi * 16 + lo);
                i += 2;
            }
            if (t >= target.length() || c != target.charAt(t)) {
                return false;
            }
            t++;
        }
        return t == target.length();
    }

    /** The current IMF-fixdate (RFC 9110 §5.6.7), formatted at most once per second. */
    static final class HttpDate {
        private static final DateTimeFormatter FORMAT =
                DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US);

        private record Stamp(long second, String text) {
        }

        private static volatile Stamp last = new Stamp(-1, "");

        static String now() {
            long second = System.currentTimeMillis() / 1000;
            Stamp l = last;
            if (l.second() == second) {
                return l.text();
            }
            String s = FORMAT.format(ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(second), ZoneOffset.UTC));
            last = new Stamp(second, s);
            return s;
        }
    }
}
