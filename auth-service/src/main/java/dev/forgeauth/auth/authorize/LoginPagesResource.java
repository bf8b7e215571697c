package dev.forgeauth.auth.authorize;

import dev.forgeauth.auth.client.ClientRegistry;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.config.FrontDoor;
import dev.forgeauth.auth.session.LoginService;
import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.auth.user.User;
import dev.forgeauth.auth.user.UserRepository;
import dev.forgeauth.core.error.OAuthException;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;

/**
 * The forms of the authorization flow, plain HTML (no JavaScript): sign in, second factor, consent. Each
 * form carries the pending request's id and its CSRF token; a post whose token does not match is refused.
 */
@Path("/")
public class LoginPagesResource {

    private final PendingStore pending;
    private final LoginService login;
    private final UserRepository users;
    private final ClientRegistry clients;
    private final SessionStore sessions;
    private final AuthorizationFlow flow;
    private final ForgeConfig config;
    private final FrontDoor frontDoor;
    private final Template loginPage;
    private final Template mfaPage;
    private final Template errorPage;

    public LoginPagesResource(PendingStore pending, LoginService login, UserRepository users, ClientRegistry clients,
            SessionStore sessions, AuthorizationFlow flow, ForgeConfig config, FrontDoor frontDoor, @Location("login.html") Template loginPage,
            @Location("mfa.html") Template mfaPage, @Location("error.html") Template errorPage) {
        this.pending = pending;
        this.login = login;
        this.users = users;
        this.clients = clients;
        this.sessions = sessions;
        this.flow = flow;
        this.config = config;
        this.frontDoor = frontDoor;
        this.loginPage = loginPage;
        this.mfaPage = mfaPage;
        this.errorPage = errorPage;
    }

    @POST
    @Path("login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> signIn(@FormParam("req") String req, @FormParam("csrf") String csrf,
            @FormParam("email") String email, @FormParam("password") String password,
            @HeaderParam("User-Agent") String userAgent, @Context HttpServerRequest http) {
        return checked(req, csrf).chain(p -> {
            if (email == null || password == null || email.length() > 320 || password.length() > 1024) {
                return again(p, "Enter your email and password.");
            }
            return login.checkPassword(email, password, ip(http))
                    .chain(user -> user.totpEnabled()
                            ? pending.save(p.withUser(user.id().toString(), null, 0))
                                    .map(saved -> Pages.html(200, mfaPage.data("req", saved.id()).data("csrf", saved.csrf())
                                            .data("error", null)))
                            : signedIn(p, user, "pwd", ip(http), userAgent))
                    .onFailure(OAuthException.class).recoverWithUni(e -> again(p, message((OAuthException) e)));
        });
    }

    @POST
    @Path("login/mfa")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> secondFactor(@FormParam("req") String req, @FormParam("csrf") String csrf,
            @FormParam("code") String code, @HeaderParam("User-Agent") String userAgent, @Context HttpServerRequest http) {
        return checked(req, csrf).chain(p -> {
            if (p.userId() == null) {
                return expired();
            }
            return users.findById(UUID.fromString(p.userId())).chain(user -> {
                if (user == null) {
                    return expired();
                }
                if (code == null || code.length() > 32) {
                    return Uni.createFrom().item(Pages.html(400, mfaPage.data("req", p.id()).data("csrf", p.csrf())
                            .data("error", "Enter the code from your authenticator app.")));
                }
                return login.checkSecondFactor(user, code, ip(http))
                        .chain(method -> signedIn(p, user, "pwd otp", ip(http), userAgent))
                        .onFailure(OAuthException.class).recoverWithItem(e -> Pages.html(401, mfaPage.data("req", p.id())
                                .data("csrf", p.csrf()).data("error", message((OAuthException) e))));
            });
        });
    }

    @POST
    @Path("oauth/consent")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> consent(@FormParam("req") String req, @FormParam("csrf") String csrf,
            @FormParam("decision") String decision, @CookieParam("df_session") String cookie) {
        return checked(req, csrf).chain(p -> sessions.findByCookie(cookie).chain(s -> {
            if (s == null || p.userId() == null || !s.userId().toString().equals(p.userId())) {
                return expired();
            }
            return pending.take(p.id()).chain(taken -> {
                if (taken == null) {
                    return expired();
                }
                if (!"approve".equals(decision)) {
                    return Uni.createFrom().item(Response.seeOther(AuthorizeResource.errorLocation(p.redirectUri(),
                            "access_denied", "the user denied the request", p.state(), config.issuer())).build());
                }
                return flow.approve(taken, s.userId());
            });
        }));
    }

    private Uni<Response> signedIn(PendingAuthorization p, User user, String amr, String ip, String userAgent) {
        long now = System.currentTimeMillis() / 1000;
        PendingAuthorization withUser = p.withUser(user.id().toString(), amr, now);
        if (p.clientId() == null) {
            // a sign-in for one of our own pages (/device, /account): back to it
            return login.startSession(user, amr, ip, userAgent).chain(created -> pending.take(p.id())
                    .replaceWith(Response.seeOther(frontDoor.url(p.redirectUri()))
                            .header("Set-Cookie", cookie(created.cookie())).build()));
        }
        return login.startSession(user, amr, ip, userAgent).chain(created -> clients.find(p.clientId()).chain(c -> {
            if (c.isEmpty()) {
                return expired();
            }
            return flow.afterLogin(withUser, user, c.get(), "").map(resp -> Response.fromResponse(resp)
                    .header("Set-Cookie", "df_session=" + created.cookie() + "; Path=/; Max-Age="
                            + config.session().absoluteLifetime().toSeconds() + "; HttpOnly; SameSite=Lax"
                            + (config.session().secureCookie() ? "; Secure" : ""))
                    .build());
        }));
    }

    private String cookie(String value) {
        return "df_session=" + value + "; Path=/; Max-Age=" + config.session().absoluteLifetime().toSeconds()
                + "; HttpOnly; SameSite=Lax" + (config.session().secureCookie() ? "; Secure" : "");
    }

    /** The pending request, if the CSRF token matches. */
    private Uni<PendingAuthorization> checked(String req, String csrf) {
        return pending.find(req).map(p -> {
            if (p == null || csrf == null || !MessageDigest.isEqual(p.csrf().getBytes(StandardCharsets.UTF_8),
                    csrf.getBytes(StandardCharsets.UTF_8))) {
                throw new PageException(Pages.error(errorPage, 400, "This page has expired",
                        "Go back to the application and start signing in again."));
            }
            return p;
        });
    }

    private Uni<Response> again(PendingAuthorization p, String message) {
        if (p.clientId() == null) {
            return Uni.createFrom().item(Pages.html(401, loginPage.data("req", p.id()).data("csrf", p.csrf())
                    .data("client", "Forge Auth").data("error", message)));
        }
        return clients.find(p.clientId()).map(c -> Pages.html(401, loginPage.data("req", p.id()).data("csrf", p.csrf())
                .data("client", c.map(x -> x.clientName()).orElse("the application")).data("error", message)));
    }

    private Uni<Response> expired() {
        return Uni.createFrom().item(Pages.error(errorPage, 400, "This page has expired",
                "Go back to the application and start signing in again."));
    }

    static String message(OAuthException e) {
        if (e.status() == 503) {
            return "The service is busy. Try again in a moment.";
        }
        if (e.status() == 429) {
            return "Too many attempts. Wait " + e.headers().getOrDefault("Retry-After", "a few") + " seconds and try again.";
        }
        return e.status() == 401 && "invalid_code".equals(e.error()) ? "That code is not valid."
                : "The email or password is wrong.";
    }

    static String ip(HttpServerRequest http) {
        return http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
    }

    /** A page to show instead of a JSON error. */
    public static final class PageException extends RuntimeException {
        public final Response response;

        PageException(Response response) {
            super(null, null, false, false);
            this.response = response;
        }
    }
}
