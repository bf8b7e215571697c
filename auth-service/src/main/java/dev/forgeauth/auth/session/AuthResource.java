package dev.forgeauth.auth.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.auth.audit.AuditLog;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.http.JsonFields;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * First-party login for browsers and the account pages: password login with session cookie and token
 * pair, the second factor, refresh with rotation, logout, and the list of active sessions.
 */
@Path("/auth")
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    public static final String COOKIE = "df_session";

    private final LoginService login;
    private final SessionStore sessions;
    private final UserAuth userAuth;
    private final AuditLog audit;
    private final ForgeConfig config;

    public AuthResource(LoginService login, SessionStore sessions, UserAuth userAuth, AuditLog audit, ForgeConfig config) {
        this.login = login;
        this.sessions = sessions;
        this.userAuth = userAuth;
        this.audit = audit;
        this.config = config;
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenPair(@JsonProperty("access_token") String accessToken,
            @JsonProperty("refresh_token") String refreshToken, @JsonProperty("token_type") String tokenType,
            @JsonProperty("expires_in") int expiresIn) {
    }

    @RegisterForReflection
    public record MfaChallenge(@JsonProperty("mfa_required") boolean mfaRequired,
            @JsonProperty("mfa_token") String mfaToken) {
    }

    @RegisterForReflection
    public record SessionView(@JsonProperty("id") UUID id, @JsonProperty("created_at") Instant createdAt,
            @JsonProperty("last_seen_at") Instant lastSeenAt, @JsonProperty("expires_at") Instant expiresAt,
            @JsonProperty("user_agent") String userAgent, @JsonProperty("ip") String ip,
            @JsonProperty("current") boolean current) {
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> login(JsonNode body, @HeaderParam("User-Agent") String userAgent,
            @Context HttpServerRequest http) {
        String email = JsonFields.requiredText(body, "email", 320);
        String password = JsonFields.requiredText(body, "password", 1024);
        return login.login(email, password, ip(http), userAgent).map(result -> {
            if (result instanceof LoginService.MfaRequired m) {
                return noStore(Response.ok(new MfaChallenge(true, m.mfaToken())));
            }
            return loggedIn((LoginService.LoggedIn) result);
        });
    }

    @POST
    @Path("/login/mfa")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> loginMfa(JsonNode body, @HeaderParam("User-Agent") String userAgent,
            @Context HttpServerRequest http) {
        String token = JsonFields.requiredText(body, "mfa_token", 200);
        String code = JsonFields.requiredText(body, "code", 32);
        return login.loginMfa(token, code, ip(http), userAgent).map(this::loggedIn);
    }

    @POST
    @Path("/refresh")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> refresh(JsonNode body, @Context HttpServerRequest http) {
        String token = JsonFields.requiredText(body, "refresh_token", 200);
        return login.refresh(token, ip(http)).map(l -> noStore(Response.ok(
                new TokenPair(l.accessToken(), l.refreshToken(), "Bearer", l.expiresIn()))));
    }

    @POST
    @Path("/logout")
    public Uni<Response> logout(@HeaderParam("Authorization") String authorization, @CookieParam(COOKIE) String cookie,
            @Context HttpServerRequest http) {
        return userAuth.require(authorization, cookie)
                .call(who -> sessions.end(who.sessionId(), who.userId()))
                .call(who -> audit.record(AuditLog.SESSION_ENDED, who.userId(), null, ip(http),
                        new JsonObject().put("session", who.sessionId().toString()).put("by", "logout")))
                .map(who -> Response.noContent().header("Set-Cookie", clearCookie()).build());
    }

    @GET
    @Path("/sessions")
    public Uni<List<SessionView>> list(@HeaderParam("Authorization") String authorization,
            @CookieParam(COOKIE) String cookie) {
        return userAuth.require(authorization, cookie).chain(who -> sessions.listLive(who.userId())
                .map(list -> list.stream().map(s -> new SessionView(s.id(), s.createdAt(), s.lastSeenAt(), s.expiresAt(),
                        s.userAgent(), s.ip(), s.id().equals(who.sessionId()))).toList()));
    }

    @DELETE
    @Path("/sessions/{id}")
    public Uni<Response> end(@HeaderParam("Authorization") String authorization, @CookieParam(COOKIE) String cookie,
            @PathParam("id") String id, @Context HttpServerRequest http) {
        UUID sessionId;
        try {
            sessionId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw OAuthException.notFound("No such session");
        }
        return userAuth.require(authorization, cookie)
                .chain(who -> sessions.end(sessionId, who.userId()).map(ended -> {
                    if (!ended) {
                        throw OAuthException.notFound("No such session");
                    }
                    return who;
                }))
                .call(who -> audit.record(AuditLog.SESSION_ENDED, who.userId(), null, ip(http),
                        new JsonObject().put("session", sessionId.toString()).put("by", "user")))
                .map(who -> Response.noContent().build());
    }

    private Response loggedIn(LoginService.LoggedIn l) {
        Response.ResponseBuilder rb = Response.ok(new TokenPair(l.accessToken(), l.refreshToken(), "Bearer", l.expiresIn()));
        if (l.sessionCookie() != null) {
            rb.header("Set-Cookie", COOKIE + "=" + l.sessionCookie() + "; Path=/; Max-Age=" + l.sessionMaxAge()
                    + "; HttpOnly; SameSite=Lax" + (config.session().secureCookie() ? "; Secure" : ""));
        }
        return noStore(rb);
    }

    private String clearCookie() {
        return COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (config.session().secureCookie() ? "; Secure" : "");
    }

    private static Response noStore(Response.ResponseBuilder rb) {
        return rb.header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
    }

    static String ip(HttpServerRequest http) {
        return http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
    }

}
