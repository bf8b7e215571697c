package dev.forgeauth.core.jwt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How the services that verify access tokens (introspection, gateway) find keys and what they accept.
 * Every service sets {@code forge.jwt.*} in its application.properties from FORGE_ISSUER, FORGE_AUDIENCE
 * and FORGE_JWKS_URL.
 */
@ConfigMapping(prefix = "forge.jwt")
public interface JwtSettings {

    /** Required {@code iss}. */
    @WithDefault("http://localhost:8080")
    String issuer();

    /** Required {@code aud}. */
    @WithDefault("forge-api")
    String audience();

    /** Where the auth-service publishes its keys. */
    @WithDefault("http://127.0.0.1:8081/oauth/jwks")
    String jwksUrl();

    /** Regular refresh of the key set, so retired keys eventually disappear. */
    @WithDefault("5m")
    Duration jwksRefresh();

    /**
     * Shortest time between two fetches caused by an unknown {@code kid}: a flood of tokens with random
     * kids costs at most one fetch per interval.
     */
    @WithDefault("5s")
    Duration jwksMinRefetch();

    /**
     * How far {@code exp}, {@code nbf} and {@code iat} may be off: the default for every service that
     * checks access tokens (gateway, introspection, auth-service). The services share one clock source
     * (NTP), so a few seconds cover their drift; every second more is a second a token outlives its
     * {@code exp}. Set with {@code FORGE_JWT_CLOCK_SKEW}.
     */
    @WithDefault(DEFAULT_CLOCK_SKEW)
    Duration clockSkew();

    /** The default of {@link #clockSkew()}. */
    String DEFAULT_CLOCK_SKEW = "5s";

    /** How many verified tokens are remembered (keyed by the token's hash, until it expires). */
    @WithDefault("100000")
    int cacheSize();
}
