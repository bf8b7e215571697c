package dev.forgeauth.auth.token;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.client.ClientRegistry;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.ratelimit.FailureLimiter;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Authenticates the client of a token request: {@code client_secret_basic}, {@code client_secret_post}
 * or {@code none} (public clients, client_id only). Exactly one method per request (RFC 6749 §2.3).
 * Failures are counted per client id and per address; past the limit the answer is 429.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1">RFC 6749 §2.3.1</a>
 */
@ApplicationScoped
public class ClientAuthenticator {

    private final ClientRegistry clients;
    private final SecretHasher hasher;
    private final FailureLimiter limiter;
    private final ForgeConfig config;

    public ClientAuthenticator(ClientRegistry clients, SecretHasher hasher, FailureLimiter limiter, ForgeConfig config) {
        this.clients = clients;
        this.hasher = hasher;
        this.limiter = limiter;
        this.config = config;
    }

    record Credentials(String clientId, String secret, boolean basic) {
    }

    /**
     * @param authorization the Authorization header, if any
     * @param params the form parameters; {@code client_id}/{@code client_secret} are removed from it
     */
    public Uni<Client> authenticate(String authorization, Map<String, String> params, String remoteAddress) {
        Credentials creds = extract(authorization, params);
        String clientKey = "client:" + creds.clientId();
        String addressKey = "addr:" + remoteAddress;
        long wait = Math.max(limiter.retryAfter(clientKey), limiter.retryAfter(addressKey));
        if (wait > 0) {
            return Uni.createFrom().failure(OAuthException.tooManyRequests(wait));
        }
        return clients.find(creds.clientId()).chain(found -> {
            Client client = found.orElse(null);
            if (client != null && verify(client, creds)) {
                return Uni.createFrom().item(client);
            }
            return limiter.recordFailure(clientKey, config.rateLimit().failuresPerClient())
                    .chain(w1 -> limiter.recordFailure(addressKey, config.rateLimit().failuresPerAddress())
                            .map(w2 -> Math.max(w1, w2)))
                    .map(w -> {
                        if (w > 0) {
                            throw OAuthException.tooManyRequests(w);
                        }
                        throw OAuthException.invalidClient("Client authentication failed", true);
                    });
        });
    }

    private boolean verify(Client client, Credentials creds) {
        if (client.isPublic()) {
            return creds.secret() == null;
        }
        // A presented secret is checked against the hash even when absent, so the timing does not
        // say whether the client is confidential.
        return creds.secret() != null && hasher.matches(creds.secret(), client.secretHash());
    }

    static Credentials extract(String authorization, Map<String, String> params) {
        String bodyId = params.remove("client_id");
        String bodySecret = params.remove("client_secret");
        if (authorization != null && !authorization.isBlank()) {
            String[] parts = authorization.trim().split(" +", 2);
            if (parts.length == 2 && parts[0].equalsIgnoreCase("Basic")) {
                if (bodySecret != null) {
                    throw OAuthException.invalidRequest("Use one client authentication method, not two");
                }
                Credentials c = parseBasic(parts[1]);
                if (bodyId != null && !bodyId.equals(c.clientId())) {
                    throw OAuthException.invalidRequest("client_id does not match the authenticated client");
                }
                return c;
            }
            // another scheme on the token endpoint: not a client credential we accept
            throw OAuthException.invalidClient("Unsupported authentication scheme for the token endpoint", true);
        }
        if (bodyId == null) {
            throw OAuthException.invalidClient("Client authentication is required", true);
        }
        return new Credentials(bodyId, bodySecret, false);
    }

    static Credentials parseBasic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw OAuthException.invalidClient("Malformed Basic credentials", true);
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            throw OAuthException.invalidClient("Malformed Basic credentials", true);
        }
        try {
            // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding
            String id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
            String secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
            return new Credentials(id, secret.isEmpty() ? null : secret, true);
        } catch (IllegalArgumentException e) {
            throw OAuthException.invalidClient("Malformed Basic credentials", true);
        }
    }
}
