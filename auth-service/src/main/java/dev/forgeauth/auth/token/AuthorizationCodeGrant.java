package dev.forgeauth.auth.token;

import dev.forgeauth.auth.authorize.AuthorizationCodes;
import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.revocation.RevocationStore;
import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.auth.user.UserRepository;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Exchanges an authorization code: the code is single use, bound to the client, the redirect URI (which
 * the token request must repeat when the authorization request named it) and the PKCE challenge. All of
 * them are checked before the code is spent. A second use of a code by its client, with everything
 * else right, fails and revokes every token issued from the first.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3">RFC 6749 §4.1.3</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7636#section-4.6">RFC 7636 §4.6</a>
 */
@ApplicationScoped
public class AuthorizationCodeGrant implements GrantHandler {

    static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");

    private final AuthorizationCodes codes;
    private final UserRepository users;
    private final UserTokens tokens;
    private final SessionStore sessions;
    private final RevocationStore revocations;
    private final ForgeConfig config;

    public AuthorizationCodeGrant(AuthorizationCodes codes, UserRepository users, UserTokens tokens,
            SessionStore sessions, RevocationStore revocations, ForgeConfig config) {
        this.codes = codes;
        this.users = users;
        this.tokens = tokens;
        this.sessions = sessions;
        this.revocations = revocations;
        this.config = config;
    }

    @Override
    public String grantType() {
        return "authorization_code";
    }

    @Override
    public Uni<TokenResponse> handle(TokenRequest request, Client client) {
        String code = request.parameters().get("code");
        if (code == null) {
            throw OAuthException.invalidRequest("Missing code");
        }
        String verifier = request.parameters().get("code_verifier");
        if (verifier != null && !VERIFIER.matcher(verifier).matches()) {
            throw OAuthException.invalidRequest("code_verifier must be 43-128 characters of [A-Za-z0-9._~-]");
        }
        String redirect = request.parameters().get("redirect_uri");
        // Every check comes before the code is marked used: a request that fails (another client, a wrong
        // verifier or redirect URI) must not be able to burn the code of the client it was issued to.
        return codes.find(code).chain(c -> {
            if (c == null || !c.clientId().equals(client.clientId())) {
                return Uni.createFrom().failure(OAuthException.invalidGrant("The authorization code is invalid"));
            }
            if (redirect == null ? c.redirectUriSent() : !redirect.equals(c.redirectUri())) {
                return Uni.createFrom().failure(OAuthException.invalidGrant(redirect == null
                        ? "redirect_uri is required: the authorization request had one"
                        : "redirect_uri does not match"));
            }
            if (c.codeChallenge() != null) {
                if (verifier == null || !matches(verifier, c.codeChallenge())) {
                    return Uni.createFrom().failure(OAuthException.invalidGrant("PKCE verification failed"));
                }
            } else if (verifier != null) {
                // a verifier for a code issued without a challenge: a downgrade attempt (RFC 9700 §4.8.2)
                return Uni.createFrom().failure(OAuthException.invalidGrant("No code_challenge was sent for this code"));
            }
            if (c.used()) {
                return reused(code);
            }
            if (!c.expiresAt().isAfter(Instant.now())) {
                return Uni.createFrom().failure(OAuthException.invalidGrant("The authorization code has expired"));
            }
            UUID grantSession = UUID.randomUUID();
            return codes.redeem(code, grantSession).chain(won -> {
                if (!won) {
                    return reused(code);
                }
                return users.findById(c.userId()).chain(user -> {
                    if (user == null) {
                        return Uni.createFrom().failure(OAuthException.invalidGrant("The user no longer exists"));
                    }
                    return tokens.issue(grantSession, user, client, c.scope(), c.nonce(), c.authTime(), c.amr(),
                            request.remoteAddress());
                });
            });
        });
    }

    /** A second use, by the client it was issued to: fails, and ends what the first use was given. */
    private Uni<TokenResponse> reused(String code) {
        return codes.grantSessionOf(code)
                .chain(session -> session == null ? Uni.createFrom().voidItem() : endGrant(session))
                .chain(() -> Uni.createFrom().failure(OAuthException.invalidGrant(
                        "The authorization code was already used; its tokens have been revoked")));
    }

    private Uni<Void> endGrant(UUID grantSession) {
        // publish first: the session row may not exist yet if the first redemption is still issuing
        long exp = Instant.now().plus(config.session().absoluteLifetime()).getEpochSecond();
        return revocations.revokeSession(grantSession.toString(), null, null, exp)
                .chain(() -> sessions.findLive(grantSession))
                .chain(s -> s == null ? Uni.createFrom().voidItem() : sessions.end(s.id(), s.userId()).replaceWithVoid());
    }

    static boolean matches(String verifier, String challenge) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            String computed = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
            return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII),
                    challenge.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
