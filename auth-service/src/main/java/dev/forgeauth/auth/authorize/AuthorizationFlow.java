package dev.forgeauth.auth.authorize;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.client.Scopes;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.user.User;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The steps after the user is known: the scopes the user can grant, consent (remembered, or asked), then
 * the code sent back to the client with {@code state} and {@code iss} (RFC 9207).
 */
@ApplicationScoped
public class AuthorizationFlow {

    private final Consents consents;
    private final AuthorizationCodes codes;
    private final PendingStore pending;
    private final ForgeConfig config;
    private final Template consent;

    public AuthorizationFlow(Consents consents, AuthorizationCodes codes, PendingStore pending, ForgeConfig config,
            @Location("consent.html") Template consent) {
        this.consents = consents;
        this.codes = codes;
        this.pending = pending;
        this.config = config;
        this.consent = consent;
    }

    /** The user may grant the requested scopes they hold, plus the OpenID ones. */
    static Set<String> grantable(PendingAuthorization p, User user) {
        Set<String> out = new LinkedHashSet<>();
        for (String s : Scopes.parse(p.scope())) {
            if (user.scopes().contains(s) || AuthorizeResource.OIDC_SCOPES.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    public Uni<Response> afterLogin(PendingAuthorization p, User user, Client client, String prompt) {
        Set<String> scopes = grantable(p, user);
        if (scopes.isEmpty()) {
            return AuthorizeResource.redirectError(p.redirectUri(), "invalid_scope",
                    "the user holds none of the requested scopes", p.state(), config.issuer());
        }
        PendingAuthorization granted = new PendingAuthorization(p.id(), p.csrf(), p.clientId(), p.redirectUri(),
                Scopes.join(scopes), p.state(), p.codeChallenge(), p.nonce(), user.id().toString(), p.amr(), p.authTime(),
                p.redirectUriSent());
        return consents.covers(user.id(), client.clientId(), scopes).chain(covered -> {
            if (covered && !prompt.contains("consent")) {
                return issue(granted);
            }
            if (prompt.contains("none")) {
                return AuthorizeResource.redirectError(p.redirectUri(), "consent_required",
                        "the user has not approved this application", p.state(), config.issuer());
            }
            return pending.save(granted).map(saved -> Pages.html(200, consent.data("req", saved.id())
                    .data("csrf", saved.csrf()).data("client", client.clientName()).data("email", user.email())
                    .data("scopes", List.copyOf(scopes))));
        });
    }

    /** Issues the code and sends the browser back to the client (303 after a form post, fine after a GET). */
    public Uni<Response> issue(PendingAuthorization p) {
        return codes.issue(p).map(code -> {
            StringBuilder sb = new StringBuilder(p.redirectUri()).append(p.redirectUri().contains("?") ? '&' : '?')
                    .append("code=").append(code);
            if (p.state() != null) {
                sb.append("&state=").append(AuthorizeResource.enc(p.state()));
            }
            sb.append("&iss=").append(AuthorizeResource.enc(config.issuer()));
            return Response.seeOther(URI.create(sb.toString())).header("Cache-Control", "no-store").build();
        });
    }

    public Uni<Response> approve(PendingAuthorization p, UUID userId) {
        return consents.remember(userId, p.clientId(), Scopes.parse(p.scope())).chain(() -> issue(p));
    }
}
