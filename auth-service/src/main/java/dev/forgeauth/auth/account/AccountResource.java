package dev.forgeauth.auth.account;

import dev.forgeauth.auth.authorize.Consents;
import dev.forgeauth.auth.authorize.PageSession;
import dev.forgeauth.auth.authorize.Pages;
import dev.forgeauth.auth.authorize.PendingStore;
import dev.forgeauth.auth.mfa.TotpService;
import dev.forgeauth.auth.pat.PersonalToken;
import dev.forgeauth.auth.pat.PersonalTokenService;
import dev.forgeauth.auth.revocation.DerivedRevocation;
import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.core.error.OAuthException;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The account pages ("Dashboard" in the seed guides): the signed-in user's PATs and API keys (create,
 * shown once, delete), sessions (end one), two-factor (enrol with the QR code, disable) and authorised
 * applications (revoke consent). Server-rendered forms, no JavaScript, CSRF token per session.
 */
@Path("/account")
public class AccountResource {

    private final PageSession pages;
    private final PendingStore pending;
    private final PersonalTokenService tokens;
    private final SessionStore sessions;
    private final Consents consents;
    private final TotpService totp;
    private final com.fasterxml.jackson.databind.ObjectMapper mapper;
    private final io.quarkus.redis.datasource.ReactiveRedisDataSource redis;
    private final Template account;
    private final Template login;
    private final DerivedRevocation derived;

    public AccountResource(PageSession pages, PendingStore pending, PersonalTokenService tokens, SessionStore sessions,
            Consents consents, TotpService totp, com.fasterxml.jackson.databind.ObjectMapper mapper,
            io.quarkus.redis.datasource.ReactiveRedisDataSource redis,
            @Location("account.html") Template account, @Location("login.html") Template login,
            DerivedRevocation derived) {
        this.derived = derived;
        this.redis = redis;
        this.pages = pages;
        this.pending = pending;
        this.tokens = tokens;
        this.sessions = sessions;
        this.consents = consents;
        this.totp = totp;
        this.mapper = mapper;
        this.account = account;
        this.login = login;
    }

    /** What the page shows once after an action (a new secret, a message). */
    public record Flash(String message, String secret, String secretLabel, String qrPng, List<String> backupCodes,
            String error) {
        static Flash none() {
            return new Flash(null, null, null, null, null, null);
        }

        static Flash message(String m) {
            return new Flash(m, null, null, null, null, null);
        }

        static Flash error(String e) {
            return new Flash(null, null, null, null, null, e);
        }
    }

    @GET
    public Uni<Response> show(@CookieParam("df_session") String cookie) {
        return pages.visitor(cookie).chain(v -> v == null ? signIn() : render(v, Flash.none(), 200));
    }

    @POST
    @Path("/tokens")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> createToken(@FormParam("csrf") String csrf, @FormParam("form") String form,
            @FormParam("kind") String kind, @FormParam("name") String name, @FormParam("scopes") List<String> scopes,
            @FormParam("days") String days, @CookieParam("df_session") String cookie) {
        return act(cookie, csrf, v -> firstSubmission(form).chain(first -> first ? Uni.createFrom().item(true)
                : Uni.createFrom().item(false)).chain(first -> {
            if (!first) {
                // a reload re-sent the form: the credential exists already and is not shown again
                return render(v, Flash.message("This form was already sent; the credential was created once."), 200);
            }
            String k = "api_key".equals(kind) ? PersonalTokenService.API_KEY : PersonalTokenService.PAT;
            var body = mapper.createObjectNode().put("name", name == null ? "" : name);
            if (scopes != null && !scopes.isEmpty()) {
                var arr = body.putArray("scopes");
                scopes.forEach(arr::add);
            }
            if (days != null && !days.isBlank()) {
                try {
                    body.put("expires_in_days", Integer.parseInt(days.trim()));
                } catch (NumberFormatException e) {
                    body.put("expires_in_days", -1);
                }
            }
            return tokens.create(v.user(), k, body).chain(c -> render(v, new Flash(
                    "Copy it now: it will not be shown again.", c.value(),
                    k.equals(PersonalTokenService.PAT) ? "Personal access token" : "API key", null, null, null), 201));
        }));
    }

    /**
     * Each rendered form carries a random id; the first submission claims it in Redis, so a browser
     * reload (which re-sends the POST) cannot create a second credential.
     */
    private Uni<Boolean> firstSubmission(String form) {
        if (form == null || !form.matches("[A-Za-z0-9_-]{16,64}")) {
            return Uni.createFrom().item(true);
        }
        return redis.value(String.class).setnx("forge:form:" + form, "1")
                .call(first -> first ? redis.key().expire("forge:form:" + form, 86400) : Uni.createFrom().voidItem())
                .onFailure().recoverWithItem(true);
    }

    @POST
    @Path("/tokens/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> deleteToken(@FormParam("csrf") String csrf, @FormParam("id") String id,
            @FormParam("kind") String kind, @CookieParam("df_session") String cookie) {
        return act(cookie, csrf, v -> tokens.delete(v.user().id(),
                "api_key".equals(kind) ? PersonalTokenService.API_KEY : PersonalTokenService.PAT, uuid(id))
                .chain(ok -> render(v, ok ? Flash.message("Deleted.") : Flash.error("Not found."), 200)));
    }

    @POST
    @Path("/sessions/end")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> endSession(@FormParam("csrf") String csrf, @FormParam("id") String id,
            @CookieParam("df_session") String cookie) {
        return act(cookie, csrf, v -> sessions.end(uuid(id), v.user().id())
                .chain(ok -> render(v, ok ? Flash.message("Session ended.") : Flash.error("Not found."), 200)));
    }

    @POST
    @Path("/apps/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> revokeApp(@FormParam("csrf") String csrf, @FormParam("client_id") String clientId,
            @CookieParam("df_session") String cookie) {
        String client = clientId == null ? "" : clientId;
        // the consent, and what it produced: the app's refresh tokens and the grant sessions behind them
        return act(cookie, csrf, v -> consents.revoke(v.user().id(), client)
                .chain(hadConsent -> derived.userRevokedClient(v.user().id(), client).map(hadTokens -> hadConsent || hadTokens))
                .chain(ok -> render(v, ok ? Flash.message("Access revoked; the application must ask again.")
                        : Flash.error("Not found."), 200)));
    }

    @POST
    @Path("/mfa/enrol")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> enrol(@FormParam("csrf") String csrf, @CookieParam("df_session") String cookie) {
        return act(cookie, csrf, v -> totp.enrol(v.user()).chain(e -> render(v, new Flash(
                "Scan the code with your authenticator app, then enter the code it shows.", e.secret(), "Secret",
                e.qrPng(), null, null), 200)));
    }

    @POST
    @Path("/mfa/verify")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> verify(@FormParam("csrf") String csrf, @FormParam("code") String code,
            @CookieParam("df_session") String cookie, @Context HttpServerRequest http) {
        return act(cookie, csrf, v -> pages.visitor(cookie).chain(fresh -> totp.activate(fresh.user(),
                        code == null ? "" : code.strip(), ip(http)))
                .chain(codes -> pages.visitor(cookie).chain(fresh -> render(fresh, new Flash(
                        "Two-step verification is on. Keep these backup codes somewhere safe; each works once.",
                        null, null, null, codes, null), 200))));
    }

    @POST
    @Path("/mfa/disable")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> disable(@FormParam("csrf") String csrf, @FormParam("code") String code,
            @CookieParam("df_session") String cookie, @Context HttpServerRequest http) {
        return act(cookie, csrf, v -> totp.disable(v.user(), code == null ? "" : code.strip(), ip(http))
                .chain(() -> pages.visitor(cookie))
                .chain(fresh -> render(fresh, Flash.message("Two-step verification is off."), 200)));
    }

    private interface Action {
        Uni<Response> run(PageSession.Visitor v);
    }

    private Uni<Response> act(String cookie, String csrf, Action action) {
        return pages.visitor(cookie).chain(v -> {
            if (v == null) {
                return signIn();
            }
            if (!v.csrfMatches(csrf)) {
                return render(v, Flash.error("This form has expired; try again."), 400);
            }
            return action.run(v).onFailure(OAuthException.class)
                    .recoverWithUni(e -> render(v, Flash.error(e.getMessage().replaceFirst("^[a-z_]+: ", "")), 400));
        });
    }

    private Uni<Response> signIn() {
        return pending.createReturn("/account").map(p -> Pages.html(200, login.data("req", p.id()).data("csrf", p.csrf())
                .data("client", "your account").data("error", null)));
    }

    private Uni<Response> render(PageSession.Visitor v, Flash flash, int status) {
        UUID userId = v.user().id();
        return tokens.list(userId, PersonalTokenService.PAT).chain(pats -> tokens.list(userId, PersonalTokenService.API_KEY)
                .chain(keys -> sessions.listLive(userId).chain(ss -> consents.list(userId).map(apps -> {
                    List<SessionRow> rows = new ArrayList<>();
                    for (var s : ss) {
                        rows.add(new SessionRow(s.id().toString(), when(s.createdAt()), when(s.lastSeenAt()),
                                s.userAgent() == null ? "" : s.userAgent(), s.ip() == null ? "" : s.ip(),
                                s.id().equals(v.sessionId())));
                    }
                    return Pages.html(status, account.data("email", v.user().email()).data("csrf", v.csrf())
                            .data("userScopes", v.user().scopes()).data("mfa", v.user().totpEnabled())
                            .data("pats", rowsOf(pats)).data("keys", rowsOf(keys)).data("sessions", rows)
                            .data("apps", apps).data("flash", flash)
                            .data("formId", dev.forgeauth.core.crypto.RandomTokens.urlSafe(18)));
                }))));
    }

    /** A credential as the page lists it. */
    public record TokenRow(String id, String name, String scopes, String created, String expires, String lastUsed) {
    }

    /** A session as the page lists it. */
    public record SessionRow(String id, String created, String lastSeen, String userAgent, String ip, boolean current) {
    }

    static List<TokenRow> rowsOf(List<PersonalToken> list) {
        return list.stream().map(t -> new TokenRow(t.id().toString(), t.name(), String.join(" ", t.scopes()),
                when(t.createdAt()), t.expiresAt() == null ? "never" : when(t.expiresAt()),
                t.lastUsedAt() == null ? "never" : when(t.lastUsedAt()))).toList();
    }

    static final java.time.format.DateTimeFormatter WHEN = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(java.time.ZoneOffset.UTC);

    static String when(java.time.Instant i) {
        return WHEN.format(i);
    }

    static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (RuntimeException e) {
            return new UUID(0, 0);
        }
    }

    static String ip(HttpServerRequest http) {
        return http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
    }
}
