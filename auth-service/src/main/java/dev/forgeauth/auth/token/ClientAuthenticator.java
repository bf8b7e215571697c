package dev.forgeauth.auth.token;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.client.ClientRegistry;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.ratelimit.FailureLimiter;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.http.ClientAddresses;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Authenticates the client of a token request: {@code client_secret_basic}, {@code client_secret_post}
 * or {@code none} (public clients, client_id only): the one the client registered (RFC 7591 §2
 * {@code token_endpoint_auth_method}). Exactly one method per request (RFC 6749 §2.3). Failures are
 * counted per client id and address, and per address; past the limit the answer is 429.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1">RFC 6749 §2.3.1</a>
 */
@ApplicationScoped
public class ClientAuthenticator {

    /** Longer client ids are refused before they reach a lookup or a failure-counter key (as registration). */
    static final int MAX_CLIENT_ID_LENGTH = 128;

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
        // an IPv6 client counts by its /64 (ClientAddresses): one host holds all of it
        String address = ClientAddresses.limitKey(remoteAddress);
        String addressKey = "addr:" + address;
        if (creds.clientId().length() > MAX_CLIENT_ID_LENGTH) {
            // no such client can exist; the id never becomes part of a key
            return failed(null, addressKey);
        }
        // Per client id *and* address: guessing from one place locks out that place only. A lock per
        // client id alone would let anyone lock a client (forge-admin, a public app) out for everyone.
        // Server-generated secrets have 256 bits, so spreading guesses over addresses gains nothing.
        String clientKey = "client:" + address + "|" + creds.clientId();
        long wait = Math.max(limiter.retryAfter(clientKey), limiter.retryAfter(addressKey));
        if (wait > 0) {
            return Uni.createFrom().failure(OAuthException.tooManyRequests(wait));
        }
        return clients.find(creds.clientId()).chain(found -> {
            Client client = found.orElse(null);
            if (client != null && verify(client, creds)) {
                return Uni.createFrom().item(client);
            }
            return failed(clientKey, addressKey);
        });
    }

    private Uni<Client> failed(String clientKey, String addressKey) {
        Uni<Long> perClient = clientKey == null ? Uni.createFrom().item(0L)
                : limiter.recordFailure(clientKey, config.rateLimit().failuresPerClient());
        return perClient
                .chain(w1 -> limiter.recordFailure(addressKey, config.rateLimit().failuresPerAddress())
                        .map(w2 -> Math.max(w1, w2)))
                .map(w -> {
                    if (w > 0) {
                        throw OAuthException.tooManyRequests(w);
                    }
                    throw OAuthException.invalidClient("Client authentication failed", true);
                });
    }

    /** The registered method only: a {@code client_secret_basic} client may not post its secret, and vice versa. */
    private boolean verify(Client client, Credentials creds) {
        if (client.isPublic()) {
            return creds.secret() == null;
        }
        boolean methodOk = Client.AUTH_POST.equals(client.tokenEndpointAuthMethod()) ? !creds.basic() : creds.basic();
        // A presented secret is checked against the hash even when absent or sent the wrong way, so the
        // timing says neither whether the client is confidential nor which method it uses.
        boolean secretOk = creds.secret() != null && hasher.matches(creds.secret(), client.secretHash());
        return secretOk && methodOk;
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
