package dev.forgeauth.introspection;

import dev.forgeauth.core.jwt.JwksKeys;
import dev.forgeauth.core.revocation.RevocationView;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the revocation list has been loaded and the signing keys fetched: from then on answers
 * are correct. If Redis goes away afterwards the service stays ready but says {@code degraded}:
 * revocations already known still count, new ones arrive when the feed is back (and are reloaded then).
 * Taking every instance out of service because Redis blinked would turn a slower revocation feed into
 * an outage of every API behind the gateway.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    private final RevocationView revocations;
    private final JwksKeys keys;

    public ReadinessCheck(RevocationView revocations, JwksKeys keys) {
        this.revocations = revocations;
        this.keys = keys;
    }

    @Override
    public HealthCheckResponse call() {
        boolean ready = revocations.loaded() && keys.loadedOnce();
        return HealthCheckResponse.named("token-verification")
                .status(ready)
                .withData("revocation_list", revocations.loaded() ? "loaded" : "loading")
                .withData("revocation_feed", revocations.live() ? "live" : "degraded")
                .withData("revoked_tokens", revocations.size())
                .withData("signing_keys", keys.size())
                .build();
    }
}
