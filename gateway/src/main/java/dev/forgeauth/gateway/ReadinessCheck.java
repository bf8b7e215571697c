package dev.forgeauth.gateway;

import dev.forgeauth.core.jwt.JwksKeys;
import dev.forgeauth.core.revocation.RevocationView;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the revocation list is loaded and the signing keys are known. A later Redis outage leaves
 * the gateway ready but {@code degraded} (known revocations still apply; see the introspection service's
 * check for why an outage of the feed must not take the front door out of service).
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
                .withData("signing_keys", keys.size())
                .build();
    }
}
