package dev.forgeauth.auth.revocation;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.ratelimit.WindowLimiter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * The rate limits on operations that leave revocations (or credentials) behind on every instance. A
 * user's budget covers creating, rotating and deleting PATs and API keys; a client's budget covers
 * {@code /oauth/revoke} and admin cut-offs. A public client has no secret, so anyone can act as it:
 * its budget is counted per client and address, and nobody can spend it for the others.
 */
@ApplicationScoped
public class RevocationLimits {

    private final WindowLimiter limiter;
    private final ForgeConfig.Revocation.RateLimit limits;

    public RevocationLimits(WindowLimiter limiter, ForgeConfig config) {
        this.limiter = limiter;
        this.limits = config.revocation().rateLimit();
    }

    /** One credential change (create, rotate, delete) by {@code userId}. */
    public Uni<Void> credentialChange(UUID userId) {
        return limiter.acquire("credential:user", userId.toString(), limits.perUser(), limits.window(),
                "credential changes");
    }

    /** One revocation request by {@code client}, from {@code address}. */
    public Uni<Void> revocation(Client client, String address) {
        String id = client.isPublic() ? client.clientId() + "@" + address : client.clientId();
        return limiter.acquire("revoke:client", id, limits.perClient(), limits.window(), "revocation requests");
    }

    /** One admin cut-off by the admin client {@code clientId}. */
    public Uni<Void> cutOff(String clientId) {
        return limiter.acquire("revoke:client", clientId, limits.perClient(), limits.window(), "revocation requests");
    }
}
