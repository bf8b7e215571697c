package dev.forgeauth.auth.session;

import dev.forgeauth.auth.audit.AuditLog;
import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.mfa.TotpService;
import dev.forgeauth.auth.token.AccessTokenIssuer;
import dev.forgeauth.auth.user.Emails;
import dev.forgeauth.auth.user.PasswordHasher;
import dev.forgeauth.auth.user.User;
import dev.forgeauth.auth.user.UserRepository;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.token.OpaqueTokens;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * First-party login: password (Argon2id, same answer and cost for unknown accounts), optional second
 * factor, then a session, an access token bound to it ({@code sid}) and a refresh-token family.
 */
@ApplicationScoped
public class LoginService {

    /** A completed login. */
    public record LoggedIn(String accessToken, int expiresIn, String refreshToken, String sessionCookie,
            long sessionMaxAge, String scope) {
        public LoggedIn(String accessToken, int expiresIn, String refreshToken, String sessionCookie, long sessionMaxAge) {
            this(accessToken, expiresIn, refreshToken, sessionCookie, sessionMaxAge, null);
        }
    }

    /** The first factor passed; the second is pending. */
    public record MfaRequired(String mfaToken) {
    }

    public static final OAuthException INVALID_CREDENTIALS = new OAuthException("invalid_credentials",
            "The email or password is wrong", 401);

    private final UserRepository users;
    private final PasswordHasher passwords;
    private final LoginThrottle throttle;
    private final SessionStore sessions;
    private final RefreshTokens refreshTokens;
    private final AccessTokenIssuer issuer;
    private final TotpService totp;
    private final AuditLog audit;
    private final ReactiveRedisDataSource redis;
    private final SecretHasher hasher;
    private final ForgeConfig config;

    public LoginService(UserRepository users, PasswordHasher passwords, LoginThrottle throttle, SessionStore sessions,
            RefreshTokens refreshTokens, AccessTokenIssuer issuer, TotpService totp, AuditLog audit,
            ReactiveRedisDataSource redis, SecretHasher hasher, ForgeConfig config) {
        this.users = users;
        this.passwords = passwords;
        this.throttle = throttle;
        this.sessions = sessions;
        this.refreshTokens = refreshTokens;
        this.issuer = issuer;
        this.totp = totp;
        this.audit = audit;
        this.redis = redis;
        this.hasher = hasher;
        this.config = config;
    }

    /** Answers {@link LoggedIn} or {@link MfaRequired}. */
    public Uni<Object> login(String rawEmail, String password, String ip, String userAgent) {
        String email = Emails.normalise(rawEmail);
        String account = LoginThrottle.accountKey(email == null ? String.valueOf(rawEmail) : email);
        String address = LoginThrottle.addressKey(ip);
        // a refused (throttled) request writes nothing: the block was audited once, when it began (failed)
        return throttle.check(account, address)
                .chain(() -> email == null ? Uni.createFrom().nullItem() : users.findByEmail(email))
                .chain(user -> passwords.verify(password, user == null ? null : user.passwordHash())
                        .chain(ok -> {
                            if (!ok) {
                                return failed(account, address, user == null ? null : user.id(), ip, "password");
                            }
                            return throttle.success(account).chain(() -> {
                                if (user.totpEnabled()) {
                                    return mfaChallenge(user, ip, userAgent);
                                }
                                return complete(user, "pwd", ip, userAgent).map(l -> (Object) l);
                            });
                        }));
    }

    /** First factor only (the login page): the user, or a failure (401 invalid_credentials, 429). */
    public Uni<User> checkPassword(String rawEmail, String password, String ip) {
        String email = Emails.normalise(rawEmail);
        String account = LoginThrottle.accountKey(email == null ? String.valueOf(rawEmail) : email);
        String address = LoginThrottle.addressKey(ip);
        return throttle.check(account, address)
                .chain(() -> email == null ? Uni.createFrom().nullItem() : users.findByEmail(email))
                .chain(user -> passwords.verify(password, user == null ? null : user.passwordHash())
                        .chain(ok -> ok ? throttle.success(account).replaceWith(user)
                                : failed(account, address, user == null ? null : user.id(), ip, "password")));
    }

    /** Second factor only (the login page): the method used ("otp" or "backup"), or a failure. */
    public Uni<String> checkSecondFactor(User user, String code, String ip) {
        String account = LoginThrottle.accountKey(user.email());
        String address = LoginThrottle.addressKey(ip);
        return throttle.check(account, address).chain(() -> totp.verify(user, code)).chain(method -> method != null
                ? throttle.success(account).replaceWith(method)
                : failed(account, address, user.id(), ip, "mfa"));
    }

    /** A browser session after the page login; audited like an API login. */
    public Uni<SessionStore.Created> startSession(User user, String amr, String ip, String userAgent) {
        return sessions.create(user.id(), amr, userAgent, ip)
                .call(c -> audit.record(AuditLog.LOGIN_OK, user.id(), config.login().clientId(), ip,
                        new JsonObject().put("session", c.session().id().toString()).put("amr", amr)));
    }

    private <T> Uni<T> failed(String account, String address, UUID userId, String ip, String factor) {
        return throttle.failure(account, address)
                .call(w -> audit.record(factor.equals("password") ? AuditLog.LOGIN_FAILED : AuditLog.MFA_FAILED,
                        userId, null, ip, new JsonObject().put("factor", factor)))
                // one event per throttle block, when the failure that starts it is counted
                .call(w -> w > 0 ? audit.record(AuditLog.LOGIN_THROTTLED, userId, null, ip,
                        new JsonObject().put("factor", factor).put("blocked_seconds", w)) : Uni.createFrom().voidItem())
                .map(wait -> {
                    if (wait > 0) {
                        throw OAuthException.tooManyRequests(wait);
                    }
                    if (factor.equals("password")) {
                        throw INVALID_CREDENTIALS;
                    }
                    throw new OAuthException("invalid_code", "The code is not valid", 401);
                });
    }

    private Uni<Object> mfaChallenge(User user, String ip, String userAgent) {
        String token = OpaqueTokens.generate(OpaqueTokens.MFA);
        String key = "forge:mfa:" + hasher.hash(token);
        return redis.value(String.class)
                .setex(key, config.login().mfaTokenTtl().toSeconds(), new JsonObject().put("user", user.id().toString())
                        .encode())
                .replaceWith(new MfaRequired(token));
    }

    /** The second step: a TOTP or backup code for a pending mfa_token (usable until it succeeds or expires). */
    public Uni<LoggedIn> loginMfa(String mfaToken, String code, String ip, String userAgent) {
        if (!OpaqueTokens.isValid(mfaToken, OpaqueTokens.MFA)) {
            return Uni.createFrom().failure(new OAuthException("invalid_grant", "The mfa_token is invalid or expired", 400));
        }
        String key = "forge:mfa:" + hasher.hash(mfaToken);
        return redis.value(String.class).get(key).chain(json -> {
            if (json == null) {
                return Uni.createFrom().failure(new OAuthException("invalid_grant", "The mfa_token is invalid or expired", 400));
            }
            UUID userId = UUID.fromString(new JsonObject(json).getString("user"));
            return users.findById(userId).chain(user -> {
                if (user == null) {
                    return Uni.createFrom().failure(new OAuthException("invalid_grant", "The mfa_token is invalid", 400));
                }
                String account = LoginThrottle.accountKey(user.email());
                String address = LoginThrottle.addressKey(ip);
                return throttle.check(account, address)
                        .chain(() -> totp.verify(user, code))
                        .chain(method -> {
                            if (method == null) {
                                return failed(account, address, user.id(), ip, "mfa");
                            }
                            // the mfa_token is spent exactly once, even by two racing requests
                            return redis.value(String.class).getdel(key).chain(still -> {
                                if (still == null) {
                                    return Uni.createFrom().failure(new OAuthException("invalid_grant",
                                            "The mfa_token was already used", 400));
                                }
                                Uni<Void> note = "backup".equals(method)
                                        ? audit.record(AuditLog.BACKUP_CODE_USED, user.id(), null, ip, null)
                                        : Uni.createFrom().voidItem();
                                return throttle.success(account).chain(() -> note)
                                        .chain(() -> complete(user, "pwd otp", ip, userAgent));
                            });
                        });
            });
        });
    }

    private Uni<LoggedIn> complete(User user, String amr, String ip, String userAgent) {
        String clientId = config.login().clientId();
        return sessions.create(user.id(), amr, userAgent, ip).chain(created -> {
            UUID sid = created.session().id();
            return refreshTokens.issue(user.id(), sid, clientId, user.scope()).map(refresh -> {
                int ttl = config.login().accessTokenTtl();
                var at = issuer.issue(new AccessTokenIssuer.AccessTokenRequest(user.id().toString(), clientId,
                        user.scope(), ttl, sid.toString()));
                long maxAge = config.session().absoluteLifetime().toSeconds();
                return new LoggedIn(at.token(), ttl, refresh, created.cookie(), maxAge);
            }).call(l -> audit.record(AuditLog.LOGIN_OK, user.id(), clientId, ip,
                    new JsonObject().put("session", sid.toString()).put("amr", amr)));
        });
    }

    /**
     * Rotates a refresh token of the first-party login ({@code POST /auth/refresh}) into a new pair; reuse
     * ends the family and its session. An OAuth client's refresh token is refused here.
     */
    public Uni<LoggedIn> refresh(String presented, String ip) {
        return refresh(presented, ip, config.login().clientId(), null, config.login().accessTokenTtl());
    }

    /** As {@link #refresh(String, String)}, for a refresh token of this (authenticated) OAuth client. */
    public Uni<LoggedIn> refresh(String presented, String ip, Client client) {
        return refresh(presented, ip, client.clientId(), client.issuedAt(), client.accessTokenTtl());
    }

    private Uni<LoggedIn> refresh(String presented, String ip, String clientId, java.time.Instant clientRegisteredAt,
            int accessTokenTtl) {
        return refreshTokens.rotate(presented, clientId, clientRegisteredAt)
                .onFailure(RefreshTokens.ReuseDetected.class).recoverWithUni(e -> {
                    RefreshTokens.ReuseDetected r = (RefreshTokens.ReuseDetected) e;
                    return refreshTokens.revokeFamily(r.familyId)
                            .call(sessions::evictCached)
                            .call(() -> r.sessionId == null ? Uni.createFrom().voidItem()
                                    : sessions.end(r.sessionId, r.userId).replaceWithVoid())
                            .call(() -> audit.record(AuditLog.REFRESH_REUSED, r.userId, null, ip,
                                    new JsonObject().put("family", r.familyId.toString())))
                            .chain(() -> Uni.createFrom().failure(OAuthException.invalidGrant(
                                    "The refresh token was already used; the session has been ended")));
                })
                .chain(rotated -> sessions.evictCached(List.of(refreshTokens.hashOf(presented)))
                        .chain(() -> rotated.sessionId() == null ? Uni.createFrom().voidItem()
                                : sessions.touch(rotated.sessionId(), ip))
                        .map(v -> {
                            int ttl = accessTokenTtl;
                            var at = issuer.issue(new AccessTokenIssuer.AccessTokenRequest(rotated.userId().toString(),
                                    rotated.clientId(), rotated.scope(), ttl,
                                    rotated.sessionId() == null ? null : rotated.sessionId().toString()));
                            return new LoggedIn(at.token(), ttl, rotated.refreshToken(), null, 0, rotated.scope());
                        }));
    }
}
