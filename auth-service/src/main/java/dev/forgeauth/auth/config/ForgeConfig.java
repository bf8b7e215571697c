package dev.forgeauth.auth.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Typed configuration of the auth-service; every key can be set from the environment (FORGE_…). */
@ConfigMapping(prefix = "forge")
public interface ForgeConfig {

    /** The issuer ({@code iss}): the gateway's public origin, since clients only see the front door. */
    @WithDefault("http://localhost:8080")
    String issuer();

    /** The {@code aud} of access tokens: the API audience the gateway requires. */
    @WithDefault("forge-api")
    String audience();

    /**
     * Key-encryption key: base64 of 32 random bytes. Encrypts signing keys at rest (AES-256-GCM) and
     * keys the hash of client secrets. Required; comes from a secret, never from the image.
     */
    String kek();

    Bootstrap bootstrap();

    Demo demo();

    GatewayClient gatewayClient();

    Keys keys();

    Token token();

    ClientCache clientCache();

    RateLimit rateLimit();

    Login login();

    Session session();

    Refresh refresh();

    Credentials credentials();

    Device device();

    PasswordHashing passwordHashing();

    Revocation revocation();

    /**
     * How long revocations are kept, how they are pruned, and how fast one user or client may create,
     * delete and revoke credentials (every revocation is held in the memory of every instance).
     */
    interface Revocation {
        /**
         * The longest any instance may keep an answer about an opaque credential (PAT, API key,
         * session) in a cache: the larger of the gateway's {@code forge.gateway.introspection.cache-ttl}
         * (10 s) and the introspection service's {@code forge.introspection.opaque-cache-ttl} (30 s).
         * A revoked opaque credential already fails its database lookup; its revocation record only has
         * to outlive those caches, so it is kept for this plus {@link #margin()}, not until the
         * credential's own expiry. Raise it when you raise either cache TTL.
         */
        @WithDefault("30s")
        Duration opaqueCacheTtl();

        /**
         * Added to every revocation's lifetime: the feed's delay, the readers' prune interval and clock
         * differences between instances.
         */
        @WithDefault("60s")
        Duration margin();

        /** How often expired revocations are removed from Redis and PostgreSQL. */
        @WithDefault("1m")
        Duration pruneInterval();

        RateLimit rateLimit();

        /**
         * Fixed-window limits (shared by every instance through Redis) on the operations that add
         * revocations or credentials: creating, rotating and deleting PATs and API keys (per user),
         * {@code POST /oauth/revoke} and {@code POST /admin/revocations} (per client; a public client per
         * client and address, so that nobody can spend another's budget). Past the limit: 429
         * {@code too_many_requests} with {@code Retry-After}.
         */
        interface RateLimit {
            /** Creations, rotations and deletions of PATs and API keys per user in one window. */
            @WithDefault("60")
            int perUser();

            /**
             * Revocation requests per client in one window: a busy web application revoking at every
             * logout (20 per second sustained) stays well below it.
             */
            @WithDefault("1200")
            int perClient();

            @WithDefault("60s")
            Duration window();
        }
    }

    /**
     * Argon2id runs on a pool of its own: as many threads as cores (more would only time-slice the same
     * cores and make every login slower), with a bounded queue in arrival order. When the queue is full
     * the request is refused at once with 503 and Retry-After instead of waiting behind seconds of
     * hashing.
     */
    interface PasswordHashing {
        /** Hashing threads; default: the number of cores. */
        java.util.OptionalInt threads();

        /** Hashes that may wait for a thread; beyond that, 503. */
        @WithDefault("32")
        int queue();
    }

    interface Device {
        /** Seconds a device must wait between polls (RFC 8628 §3.2). */
        @WithDefault("5")
        int interval();

        /**
         * Device authorization requests one address (an IPv6 /64) may make per {@link #requestWindow()};
         * then 429 with Retry-After. An office behind one NAT starting many CLI logins stays well below.
         */
        @WithDefault("30")
        int maxRequestsPerAddress();

        /**
         * Device authorization requests per client per {@link #requestWindow()} (a public client such as
         * forge-cli is shared by every user: this bounds the pending rows anyone can make).
         */
        @WithDefault("600")
        int maxRequestsPerClient();

        /** The window of both device authorization limits. */
        @WithDefault("60s")
        java.time.Duration requestWindow();
    }

    interface Credentials {
        /** Longest lifetime of a personal access token, in days (the rotation rule of the seed guides). */
        @WithDefault("90")
        int patMaxDays();

        /** Lifetime of a personal access token when none is asked for, in days. */
        @WithDefault("30")
        int patDefaultDays();

        /** How long a rotated API key keeps working beside its replacement. */
        @WithDefault("P7D")
        java.time.Duration apiKeyRotationGrace();

        /** Most live credentials of each kind one user may hold. */
        @WithDefault("100")
        int maxPerUser();
    }

    interface Login {
        /** The client_id of tokens from the first-party login (POST /auth/login). */
        @WithDefault("forge-login")
        String clientId();

        /**
         * OAuth clients that are part of Forge Auth itself (the forge CLI): their user tokens, bound to a
         * live grant session, may manage the user's account at /auth/* like a login token.
         */
        @WithDefault("forge-cli")
        java.util.List<String> firstPartyClients();

        /** Lifetime of login access tokens, in seconds. */
        @WithDefault("900")
        int accessTokenTtl();

        /** Failed logins per account in one window before the account is throttled. */
        @WithDefault("5")
        int maxFailuresPerAccount();

        /** Failed logins per client address in one window before the address is throttled. */
        @WithDefault("50")
        int maxFailuresPerAddress();

        @WithDefault("15m")
        Duration failureWindow();

        /** Longest throttle; it doubles with each failure past the limit up to this. */
        @WithDefault("5m")
        Duration maxBlock();

        /** How long an mfa_token (between the password and the second factor) lives. */
        @WithDefault("5m")
        Duration mfaTokenTtl();
    }

    interface Session {
        @WithDefault("P30D")
        Duration absoluteLifetime();

        /** Secure cookie flag; switch off only for a local run over plain http. */
        @WithDefault("true")
        boolean secureCookie();
    }

    interface Refresh {
        /** A refresh-token family (one login's chain of rotations) ends after this, used or not. */
        @WithDefault("P30D")
        Duration absoluteLifetime();

        /** A refresh token unused for this long is dead. */
        @WithDefault("P7D")
        Duration idleLifetime();

        /**
         * 0 (the default): presenting a rotated token again ends the family at once (RFC 9700 §4.14.2).
         * Above 0: a rotated token presented again within this time, while its successor has not been used
         * yet, is refused without ending the family (tolerates clients that race their own refreshes);
         * this lets a thief who refreshed first keep the family for as long as the victim's replay falls
         * in the window (see the README).
         */
        @WithDefault("0s")
        Duration concurrentLeeway();
    }

    interface Bootstrap {
        /**
         * Admin client (scopes {@code admin introspect}) created at start only when no client exists at
         * all (the very first start): once it is deleted, because it leaked, a restart does not bring it
         * back.
         */
        Optional<String> clientId();

        Optional<String> clientSecret();
    }

    interface GatewayClient {
        /**
         * The gateway's own client ({@code FORGE_GATEWAY_CLIENT_ID}/{@code _SECRET}, the same variables
         * the gateway reads): confidential, grant {@code client_credentials}, scope {@code introspect}
         * only, so the internet-facing process holds no admin credential. Created at start when absent,
         * unless a client of that id was deleted before (a deleted client is never seeded again).
         */
        Optional<String> clientId();

        Optional<String> clientSecret();
    }

    interface Demo {
        /**
         * A demo service client created at start if absent (local run only), with the contract's demo
         * scopes: deployment:read/write, infrastructure:read/write.
         */
        Optional<String> clientId();

        Optional<String> clientSecret();
    }

    interface Keys {
        /** Signing algorithm of new keys: RS256 (default) or ES256. */
        @WithDefault("RS256")
        String algorithm();

        /** Age after which the active key is rotated automatically. */
        @WithDefault("P30D")
        Duration rotationPeriod();

        /** How long a new key is published in the JWKS before it signs anything. */
        @WithDefault("PT10M")
        Duration publishDelay();

        /** How often each instance reconciles and reloads the key set from the database. */
        @WithDefault("30s")
        Duration refreshInterval();
    }

    interface Token {
        /** Default access-token lifetime in seconds, when a client does not set its own. */
        @WithDefault("3600")
        int defaultTtl();

        /** Largest access-token lifetime a client may be given, in seconds. */
        @WithDefault("86400")
        int maxTtl();
    }

    interface ClientCache {
        /** How long a client registration is cached in memory. Changes are also pushed through Redis. */
        @WithDefault("30s")
        Duration ttl();
    }

    interface RateLimit {
        /** Failed client authentications allowed per client id from one address in one window. */
        @WithDefault("20")
        int failuresPerClient();

        /** Failed client authentications allowed per remote address in one window. */
        @WithDefault("100")
        int failuresPerAddress();

        @WithDefault("60s")
        Duration window();
    }
}
