package dev.forgeauth.cli.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Client-credentials tokens ({@code forge token mint}, the admin commands), cached per server, client,
 * scope and secret in {@code cache/<sha-256>.json} (0600) while they have enough life left. The secret
 * itself is never written anywhere: only a hash of it is part of the file's name, so a rotated secret
 * (or a wrong one) never gets a token minted with the old one.
 */
public final class ClientTokens {

    private ClientTokens() {
    }

    /** A token answer (RFC 6749 §5.1), from the cache when allowed and still good, else from the server. */
    public static JsonNode mint(Ctx ctx, String clientId, String secret, String scope, boolean useCache) {
        String normalised = normaliseScope(scope);
        Path file = ctx.store().cache().resolve(key(ctx.server(), clientId, normalised, secret) + ".json");
        long now = Ctx.now();
        if (useCache) {
            JsonNode cached = Json.parse(ctx.store().read(file));
            if (cached != null && usable(cached, now)) {
                ObjectNode answer = ((ObjectNode) cached.get("response")).deepCopy();
                answer.put("expires_in", Json.number(cached, "expires_at", now) - now);
                return answer;
            }
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (normalised != null) {
            form.put("scope", normalised);
        }
        Http.Response r = ctx.http().postForm("/oauth/token", Http.basic(clientId, secret), form);
        if (!r.ok()) {
            throw r.failure();
        }
        JsonNode answer = r.json();
        String token = Json.text(answer, "access_token");
        if (token == null) {
            throw CliException.error("the token endpoint answered without an access_token");
        }
        if (useCache) {
            ObjectNode entry = Json.object();
            entry.put("server", ctx.server());
            entry.put("client_id", clientId);
            entry.put("scope", normalised == null ? "" : normalised);
            entry.put("obtained_at", now);
            entry.put("expires_at", Logins.expiresAt(token, answer, now));
            entry.set("response", answer);
            ctx.store().writePrivate(file, Json.pretty(entry) + "\n");
        }
        return answer;
    }

    /** Enough life left: at least a minute, or half its lifetime for tokens that live less than two. */
    static boolean usable(JsonNode entry, long now) {
        JsonNode response = entry.get("response");
        if (response == null || !response.isObject() || Json.text(response, "access_token") == null) {
            return false;
        }
        long expires = Json.number(entry, "expires_at", 0);
        long lifetime = expires - Json.number(entry, "obtained_at", expires);
        long margin = Math.min(Logins.REFRESH_MARGIN_SECONDS, lifetime / 2);
        return expires - now > margin;
    }

    /** Forgets a cached token (after it was revoked); true when one was removed. */
    public static boolean forget(Ctx ctx, String token) {
        Path dir = ctx.store().cache();
        if (!Files.isDirectory(dir)) {
            return false;
        }
        boolean removed = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                JsonNode entry = Json.parse(ctx.store().read(f));
                if (entry != null && token.equals(Json.text(entry.get("response"), "access_token"))) {
                    removed |= ctx.store().delete(f);
                }
            }
        } catch (IOException e) {
            throw CliException.error("cannot read " + dir + ": " + Text.oneLine(e.getMessage()));
        }
        return removed;
    }

    /** Space-separated, sorted, duplicates removed; null when empty. */
    static String normaliseScope(String scope) {
        if (scope == null || scope.isBlank()) {
            return null;
        }
        return String.join(" ", new TreeSet<>(java.util.List.of(scope.trim().split("\\s+"))));
    }

    static String key(String server, String clientId, String scope, String secret) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] secretHash = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            for (String part : new String[] {server, clientId, scope == null ? "" : scope}) {
                md.update(part.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            md.update(secretHash);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
