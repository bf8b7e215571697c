package dev.forgeauth.auth.token;

import dev.forgeauth.auth.admin.ClientMetadata;
import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.device.DeviceCodes;
import dev.forgeauth.auth.user.UserRepository;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/**
 * Polling with a device code: {@code authorization_pending} until the user decides, {@code slow_down}
 * (and five more seconds of interval) when polled faster than the interval, {@code access_denied},
 * {@code expired_token}, and the tokens exactly once.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8628#section-3.5">RFC 8628 §3.5</a>
 */
@ApplicationScoped
public class DeviceCodeGrant implements GrantHandler {

    private final DeviceCodes codes;
    private final UserRepository users;
    private final UserTokens tokens;

    public DeviceCodeGrant(DeviceCodes codes, UserRepository users, UserTokens tokens) {
        this.codes = codes;
        this.users = users;
        this.tokens = tokens;
    }

    @Override
    public String grantType() {
        return ClientMetadata.DEVICE_CODE;
    }

    @Override
    public Uni<TokenResponse> handle(TokenRequest request, Client client) {
        String deviceCode = request.parameters().get("device_code");
        if (deviceCode == null) {
            throw OAuthException.invalidRequest("Missing device_code");
        }
        return codes.poll(deviceCode).chain(p -> {
            if (p == null || !p.clientId().equals(client.clientId())) {
                return Uni.createFrom().failure(OAuthException.invalidGrant("The device code is invalid"));
            }
            if (!p.expiresAt().isAfter(Instant.now())) {
                return Uni.createFrom().failure(error("expired_token", "The device code has expired; start again"));
            }
            return switch (p.status()) {
                case "slow_down" -> Uni.createFrom().failure(error("slow_down",
                        "Polling too fast; wait " + p.interval() + " seconds between requests"));
                case "pending" -> Uni.createFrom().failure(error("authorization_pending",
                        "The user has not approved the request yet"));
                case "denied" -> Uni.createFrom().failure(error("access_denied", "The user denied the request"));
                case "approved" -> users.findById(p.userId()).chain(user -> {
                    if (user == null) {
                        return Uni.createFrom().failure(OAuthException.invalidGrant("The user no longer exists"));
                    }
                    // the user can grant only what they hold (plus the OpenID scopes), as in the code flow
                    java.util.Set<String> granted = new java.util.LinkedHashSet<>();
                    for (String s : dev.forgeauth.auth.client.Scopes.parse(p.scope())) {
                        if (user.scopes().contains(s) || dev.forgeauth.auth.authorize.AuthorizeResource.OIDC_SCOPES.contains(s)) {
                            granted.add(s);
                        }
                    }
                    if (granted.isEmpty()) {
                        return Uni.createFrom().failure(OAuthException.invalidScope("The user holds none of the requested scopes"));
                    }
                    return tokens.issue(UUID.randomUUID(), user, client, dev.forgeauth.auth.client.Scopes.join(granted),
                            null, p.authTime() == null ? Instant.now().getEpochSecond() : p.authTime(), "pwd",
                            request.remoteAddress());
                });
                default -> Uni.createFrom().failure(OAuthException.invalidGrant("The device code was already used"));
            };
        });
    }

    static OAuthException error(String code, String description) {
        return new OAuthException(code, description, 400);
    }
}
