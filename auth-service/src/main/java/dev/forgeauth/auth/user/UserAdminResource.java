package dev.forgeauth.auth.user;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.auth.audit.AuditLog;
import dev.forgeauth.auth.security.BearerAuth;
import dev.forgeauth.core.error.OAuthException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Admin API for users; every call needs a bearer token with scope {@code admin}. */
@Path("/admin/users")
@Produces(MediaType.APPLICATION_JSON)
public class UserAdminResource {

    private final BearerAuth auth;
    private final UserService service;
    private final UserRepository users;

    public UserAdminResource(BearerAuth auth, UserService service, UserRepository users) {
        this.auth = auth;
        this.service = service;
        this.users = users;
    }

    @RegisterForReflection
    public record UserView(@JsonProperty("id") UUID id, @JsonProperty("email") String email,
            @JsonProperty("scopes") List<String> scopes, @JsonProperty("mfa_enabled") boolean mfaEnabled,
            @JsonProperty("created_at") Instant createdAt) {
        static UserView of(User u) {
            return new UserView(u.id(), u.email(), u.scopes(), u.totpEnabled(), u.createdAt());
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> create(@HeaderParam("Authorization") String authorization, JsonNode body,
            @Context HttpServerRequest http) {
        return auth.require(authorization, "admin")
                .chain(caller -> service.create(body, AuditLog.Actor.of(caller, http)))
                .map(u -> Response.status(201).entity(UserView.of(u)).build());
    }

    @GET
    public Uni<List<UserView>> list(@HeaderParam("Authorization") String authorization,
            @QueryParam("after") String after, @QueryParam("limit") String limit) {
        int n = 100;
        if (limit != null) {
            try {
                n = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 500) {
                throw OAuthException.invalidRequest("limit must be an integer from 1 to 500");
            }
        }
        int size = n;
        return auth.require(authorization, "admin").chain(c -> users.list(after, size))
                .map(list -> list.stream().map(UserView::of).toList());
    }

    @GET
    @Path("/{id}")
    public Uni<UserView> get(@HeaderParam("Authorization") String authorization, @PathParam("id") String id) {
        UUID uid = parse(id);
        return auth.require(authorization, "admin").chain(c -> users.findById(uid)).map(u -> {
            if (u == null) {
                throw OAuthException.notFound("No such user");
            }
            return UserView.of(u);
        });
    }

    @PATCH
    @Path("/{id}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    public Uni<UserView> update(@HeaderParam("Authorization") String authorization, @PathParam("id") String id,
            JsonNode body, @Context HttpServerRequest http) {
        UUID uid = parse(id);
        return auth.require(authorization, "admin").chain(c -> service.update(uid, body, AuditLog.Actor.of(c, http)))
                .map(UserView::of);
    }

    @DELETE
    @Path("/{id}")
    public Uni<Response> delete(@HeaderParam("Authorization") String authorization, @PathParam("id") String id,
            @Context HttpServerRequest http) {
        UUID uid = parse(id);
        return auth.require(authorization, "admin").chain(c -> service.delete(uid, AuditLog.Actor.of(c, http))).map(deleted -> {
            if (!deleted) {
                throw OAuthException.notFound("No such user");
            }
            return Response.noContent().build();
        });
    }

    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw OAuthException.notFound("No such user");
        }
    }
}
