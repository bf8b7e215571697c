package dev.forgeauth.auth.authorize;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.client.ClientRegistry;
import dev.forgeauth.auth.client.Scopes;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.auth.user.User;
import dev.forgeauth.auth.user.UserRepository;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The authorization endpoint (authorization code with PKCE). Until the client and redirect URI are
 * known to be right, errors are shown on a page and never redirected (RFC 6749 §4.1.2.1); after that
 * they go back to the client as {@code error=} with the {@code state}. A signed-in user (cookie
 * {@code df_session}) skips the login page; remembered consent skips the consent page.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-4.1">RFC 6749 §4.1</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7636">RFC 7636</a>
 */
@Path("/oauth/authorize")
public class AuthorizeResource {

    static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9._~-]{43,128}");
    public static final Set<String> OIDC_SCOPES = Set.of("openid", "email");

    private final ClientRegistry clients;
    private final PendingStore pending;
    private final SessionStore sessions;
    private final UserRepository users;
    private final AuthorizationFlow flow;
    private final Template error;
    private final Template login;
    private final ForgeConfig config;

    public AuthorizeResource(ClientRegistry clients, PendingStore pending, SessionStore sessions, UserRepository users,
            AuthorizationFlow flow, @Location("error.html") Template error, @Location("login.html") Template login,
            ForgeConfig config) {
        this.config = config;
        this.clients = clients;
        this.pending = pending;
        this.sessions = sessions;
        this.users = users;
        this.flow = flow;
        this.error = error;
        this.login = login;
    }

    @GET
    public Uni<Response> authorize(@Context UriInfo uri, @CookieParam("df_session") String cookie) {
        MultivaluedMap<String, String> q = uri.getQueryParameters();
        for (String name : List.of("client_id", "redirect_uri")) {
            if (q.containsKey(name) && q.get(name).size() > 1) {
                return page(400, "Invalid request", "The parameter " + name + " is repeated.");
            }
        }
        String clientId = q.getFirst("client_id");
        if (clientId == null || clientId.isBlank()) {
            return page(400, "Invalid request", "The application did not say who it is (client_id is missing).");
        }
        return clients.find(clientId).chain(found -> {
            if (found.isEmpty()) {
                return page(400, "Unknown application", "No application is registered as this client_id.");
            }
            Client client = found.get();
            String redirect = q.getFirst("redirect_uri");
            if (redirect == null) {
                if (client.redirectUris().size() != 1) {
                    return page(400, "Invalid request", "The application did not say where to return (redirect_uri).");
                }
                redirect = client.redirectUris().get(0);
            } else if (!client.redirectUris().contains(redirect)) {
                // exact string comparison: no prefix, pattern or normalisation (OAuth 2.1 §4.1.1)
                return page(400, "Invalid redirect", "This return address is not registered for the application.");
            }
            String state = q.getFirst("state");
            String back = redirect;
            for (String name : List.of("response_type", "scope", "state", "code_challenge", "code_challenge_method",
                    "nonce", "prompt")) {
                if (q.containsKey(name) && q.get(name).size() > 1) {
                    return redirectError(back, "invalid_request", "repeated parameter " + name, state);
                }
            }
            if (!"code".equals(q.getFirst("response_type"))) {
                return redirectError(back, "unsupported_response_type", "only response_type=code is supported", state);
            }
            if (!client.allowsGrant("authorization_code")) {
                return redirectError(back, "unauthorized_client", "this client may not use the authorization code flow",
                        state);
            }
            String method = q.getFirst("code_challenge_method");
            String challenge = q.getFirst("code_challenge");
            if (challenge != null) {
                if (method != null && !"S256".equals(method)) {
                    return redirectError(back, "invalid_request", "code_challenge_method must be S256", state);
                }
                if (!CHALLENGE.matcher(challenge).matches()) {
                    return redirectError(back, "invalid_request", "code_challenge is malformed", state);
                }
            } else if (client.isPublic()) {
                return redirectError(back, "invalid_request", "PKCE (code_challenge with S256) is required", state);
            } else if (method != null) {
                return redirectError(back, "invalid_request", "code_challenge_method without code_challenge", state);
            }
            String rawScope = q.getFirst("scope");
            Set<String> scopes = rawScope == null ? client.scopes() : Scopes.parseStrict(rawScope);
            if (scopes == null || scopes.isEmpty()) {
                return redirectError(back, "invalid_scope", "the scope parameter is malformed or empty", state);
            }
            for (String s : scopes) {
                if (!client.scopes().contains(s) && !OIDC_SCOPES.contains(s)) {
                    return redirectError(back, "invalid_scope", "scope " + s + " is not allowed for this client", state);
                }
            }
            String nonce = q.getFirst("nonce");
            if (nonce != null && nonce.length() > 255) {
                return redirectError(back, "invalid_request", "nonce is too long", state);
            }
            if (state != null && state.length() > 1024) {
                return page(400, "Invalid request", "The state parameter is too long.");
            }
            String prompt = q.getFirst("prompt") == null ? "" : q.getFirst("prompt");
            boolean redirectSent = q.getFirst("redirect_uri") != null;
            return pending.create(clientId, back, redirectSent, Scopes.join(scopes), state, challenge, nonce)
                    .chain(p -> signedIn(cookie, prompt).chain(user -> {
                        if (user == null) {
                            if (prompt.contains("none")) {
                                return redirectError(back, "login_required", "the user is not signed in", state);
                            }
                            return Uni.createFrom().item(Pages.html(200, login.data("req", p.id()).data("csrf", p.csrf())
                                    .data("client", client.clientName()).data("error", null)));
                        }
                        return flow.afterLogin(p.withUser(user.id().toString(), "pwd", System.currentTimeMillis() / 1000),
                                user, client, prompt);
                    }));
        });
    }

    /** The user of a live session (unless a fresh login was asked for), or null. */
    private Uni<User> signedIn(String cookie, String prompt) {
        if (cookie == null || prompt.contains("login")) {
            return Uni.createFrom().nullItem();
        }
        return sessions.findByCookie(cookie).chain(s -> s == null ? Uni.createFrom().<User>nullItem()
                : users.findById(s.userId()));
    }

    private Uni<Response> page(int status, String title, String message) {
        return Uni.createFrom().item(Pages.error(error, status, title, message));
    }

    private Uni<Response> redirectError(String redirectUri, String code, String description, String state) {
        return redirectError(redirectUri, code, description, state, config.issuer());
    }

    static Uni<Response> redirectError(String redirectUri, String code, String description, String state,
            String issuer) {
        return Uni.createFrom().item(Response.status(302)
                .location(errorLocation(redirectUri, code, description, state, issuer))
                .header("Cache-Control", "no-store").build());
    }

    /**
     * An error sent back to the client. Like a success it carries {@code iss}, so that a client talking to
     * several authorization servers can tell which one answered (RFC 9207 §2, mix-up defence).
     */
    static URI errorLocation(String redirectUri, String code, String description, String state, String issuer) {
        StringBuilder sb = new StringBuilder(redirectUri).append(redirectUri.contains("?") ? '&' : '?')
                .append("error=").append(enc(code)).append("&error_description=").append(enc(description));
        if (state != null) {
            sb.append("&state=").append(enc(state));
        }
        sb.append("&iss=").append(enc(issuer));
        return URI.create(sb.toString());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

}
