package dev.forgeauth.auth.pat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.session.UserAuth;
import dev.forgeauth.auth.user.User;
import dev.forgeauth.auth.user.UserRepository;
import dev.forgeauth.core.error.OAuthException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The signed-in user's personal access tokens ({@code /auth/tokens}) and API keys ({@code /auth/api-keys}).
 * Managing credentials needs a login (the {@code df_session} cookie or a login access token): a PAT or
 * API key cannot mint or delete credentials, so a leaked one cannot entrench itself.
 */
@Path("/auth")
@Produces(MediaType.APPLICATION_JSON)
public class PersonalTokenResource {

    private final UserAuth userAuth;
    private final UserRepository users;
    private final PersonalTokenService service;
    private final ForgeConfig config;
    private final com.fasterxml.jackson.databind.ObjectMapper mapper;

    public PersonalTokenResource(UserAuth userAuth, UserRepository users, PersonalTokenService service, ForgeConfig config,
            com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.mapper = mapper;
        this.userAuth = userAuth;
        this.users = users;
        this.service = service;
        this.config = config;
    }

    /** A credential as listed; {@code last_used_at} is always there ({@code null}: never used). */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenView(@JsonProperty("id") UUID id, @JsonProperty("name") String name,
            @JsonProperty("token") String token, @JsonProperty("key") String key,
            @JsonProperty("scopes") List<String> scopes, @JsonProperty("created_at") Instant createdAt,
            @JsonProperty("expires_at") Instant expiresAt, @JsonProperty("last_used_at") @JsonInclude(JsonInclude.Include.ALWAYS) Instant lastUsedAt,
            @JsonProperty("last_used_ip") String lastUsedIp, @JsonProperty("replaced_by") UUID replacedBy) {

        static TokenView of(PersonalToken t, String value) {
            boolean pat = PersonalTokenService.PAT.equals(t.kind());
            return new TokenView(t.id(), t.name(), pat ? value : null, pat ? null : value, t.scopes(), t.createdAt(),
                    t.expiresAt(), t.lastUsedAt(), t.lastUsedIp(), t.rotatedTo());
        }
    }

    @POST
    @Path("/tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> createPat(@HeaderParam("Authorization") String authorization,
            @CookieParam("df_session") String cookie, JsonNode body) {
        return create(authorization, cookie, PersonalTokenService.PAT, body);
    }

    @GET
    @Path("/tokens")
    public Uni<List<TokenView>> listPats(@HeaderParam("Authorization") String authorization,
            @CookieParam("df_session") String cookie) {
        return list(authorization, cookie, PersonalTokenService.PAT);
    }

    @DELETE
    @Path("/tokens/{id}")
    public Uni<Response> deletePat(@HeaderParam("Authorization") String authorization,
            @CookieParam("df_session") String cookie, @PathParam("id") String id) {
        return delete(authorization, cookie, PersonalTokenService.PAT, id);
    }

    @POST
    @Path("/api-keys")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> createApiKey(@HeaderParam("Authorization") String authorization,
            @CookieParam("df_session") String cookie, JsonNode body) {
        return create(authorization, cookie, PersonalTokenService.API_KEY, body);
    }

    @GET
    @Path("/api-keys")
    public Uni<List<TokenView>> listApiKeys(@HeaderParam("Authorization") String authorization,
            @CookieParam("df_session") String cookie) {
        return list(authorization, cookie, PersonalTokenService.API_KEY);
    }

    @DELETE
    @Path("/api-keys/{id}")
    public Uni<Response> deleteApiKey(@HeaderParam("Authorization") String authorization,
            @CookieParam("df_session") String cookie, @PathParam("id") String id) {
        return delete(authorization, cookie, PersonalTokenService.API_KEY, id);
    }

    /**
     * Rotates an API key. Optional body {@code {"grace_period_seconds": n}} (0 to 30 days) overrides the
     * default grace period during which the old key keeps working.
     */
    @POST
    @Path("/api-keys/{id}/rotate")
    public Uni<Response> rotate(@HeaderParam("Authorization") String authorization,
            @CookieParam("df_session") String cookie, @PathParam("id") String id, String rawBody) {
        UUID keyId = parse(id);
        JsonNode body = null;
        if (rawBody != null && !rawBody.isBlank()) {
            try {
                body = mapper.readTree(rawBody);
            } catch (java.io.IOException e) {
                throw OAuthException.invalidRequest("The request body is not valid JSON");
            }
        }
        Duration grace = config.credentials().apiKeyRotationGrace();
        if (body != null && body.has("grace_period_seconds")) {
            JsonNode g = body.get("grace_period_seconds");
            if (!g.isIntegralNumber() || g.longValue() < 0 || g.longValue() > Duration.ofDays(30).toSeconds()) {
                throw OAuthException.invalidRequest("grace_period_seconds must be a whole number from 0 to 2592000");
            }
            grace = Duration.ofSeconds(g.longValue());
        } else if (body != null && !body.isObject()) {
            throw OAuthException.invalidRequest("The request body must be a JSON object");
        }
        Duration g = grace;
        return user(authorization, cookie).chain(u -> service.rotate(u.id(), keyId, g))
                .map(c -> Response.ok(TokenView.of(c.token(), c.value())).header("Cache-Control", "no-store").build());
    }

    private Uni<Response> create(String authorization, String cookie, String kind, JsonNode body) {
        return user(authorization, cookie).chain(u -> service.create(u, kind, body))
                .map(c -> Response.status(201).entity(TokenView.of(c.token(), c.value()))
                        .header("Cache-Control", "no-store").build());
    }

    private Uni<List<TokenView>> list(String authorization, String cookie, String kind) {
        return user(authorization, cookie).chain(u -> service.list(u.id(), kind))
                .map(l -> l.stream().map(t -> TokenView.of(t, null)).toList());
    }

    private Uni<Response> delete(String authorization, String cookie, String kind, String id) {
        UUID tokenId = parse(id);
        return user(authorization, cookie).chain(u -> service.delete(u.id(), kind, tokenId)).map(ok -> {
            if (!ok) {
                throw OAuthException.notFound("No such credential");
            }
            return Response.noContent().build();
        });
    }

    private Uni<User> user(String authorization, String cookie) {
        return userAuth.require(authorization, cookie).chain(who -> users.findById(who.userId())).map(u -> {
            if (u == null) {
                throw OAuthException.invalidToken("The account no longer exists");
            }
            return u;
        });
    }

    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw OAuthException.notFound("No such credential");
        }
    }
}
