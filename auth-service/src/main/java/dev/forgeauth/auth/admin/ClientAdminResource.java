package dev.forgeauth.auth.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.auth.audit.AuditLog;
import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.client.ClientRepository;
import dev.forgeauth.auth.client.ClientService;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.security.BearerAuth;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
import java.util.List;

/**
 * Admin API for OAuth clients; every call needs a bearer token with scope {@code admin}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7591">RFC 7591</a> (field names)
 */
@Path("/admin/clients")
@Produces(MediaType.APPLICATION_JSON)
public class ClientAdminResource {

    static final String ADMIN = "admin";

    private final BearerAuth auth;
    private final ClientService service;
    private final ClientRepository repository;
    private final ForgeConfig config;
    private final AuditLog audit;
    private final ReservedClients reserved;

    public ClientAdminResource(BearerAuth auth, ClientService service, ClientRepository repository, ForgeConfig config,
            AuditLog audit, ReservedClients reserved) {
        this.reserved = reserved;
        this.auth = auth;
        this.service = service;
        this.repository = repository;
        this.config = config;
        this.audit = audit;
    }

    /** A client's metadata for the audit trail: what an admin sees, never the secret or its hash. */
    static JsonObject auditView(Client c) {
        return new JsonObject().put("client_id", c.clientId()).put("client_name", c.clientName())
                .put("grant_types", new JsonArray(List.copyOf(c.grantTypes())))
                .put("redirect_uris", new JsonArray(List.copyOf(c.redirectUris()))).put("scope", c.scope())
                .put("token_endpoint_auth_method", c.tokenEndpointAuthMethod())
                .put("access_token_ttl", c.accessTokenTtl());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> create(@HeaderParam("Authorization") String authorization, JsonNode body,
            @Context HttpServerRequest http) {
        return auth.require(authorization, ADMIN)
                .chain(caller -> service.create(reserved.checkRegistration(ClientMetadata.forCreate(body,
                        config.token().defaultTtl(), config.token().maxTtl())))
                        .call(created -> audit.admin(AuditLog.CLIENT_CREATED, AuditLog.Actor.of(caller, http), null,
                                created.client().clientId(), null, auditView(created.client()))))
                .map(created -> Response.status(201)
                        .header("Cache-Control", "no-store")
                        .entity(ClientView.of(created.client(), created.secret()))
                        .build());
    }

    @GET
    public Uni<List<ClientView>> list(@HeaderParam("Authorization") String authorization,
            @QueryParam("after") String after, @QueryParam("limit") String limit) {
        int n = parseLimit(limit);
        return auth.require(authorization, ADMIN)
                .chain(caller -> repository.list(after, n))
                .map(clients -> clients.stream().map(c -> ClientView.of(c, null)).toList());
    }

    @GET
    @Path("/{clientId}")
    public Uni<ClientView> get(@HeaderParam("Authorization") String authorization,
            @PathParam("clientId") String clientId) {
        return auth.require(authorization, ADMIN)
                .chain(caller -> existing(clientId))
                .map(c -> ClientView.of(c, null));
    }

    @PATCH
    @Path("/{clientId}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    public Uni<ClientView> update(@HeaderParam("Authorization") String authorization,
            @PathParam("clientId") String clientId, JsonNode body, @Context HttpServerRequest http) {
        return auth.require(authorization, ADMIN)
                .invoke(caller -> reserved.refuseLoginClient(clientId))
                .chain(caller -> existing(clientId).chain(current -> service
                        .update(current, reserved.checkRegistration(
                                ClientMetadata.of(current).merge(body, config.token().maxTtl())))
                        .call(c -> c == null ? Uni.createFrom().voidItem()
                                : audit.admin(AuditLog.CLIENT_CHANGED, AuditLog.Actor.of(caller, http), null, clientId,
                                        auditView(current), auditView(c)))))
                .map(c -> {
                    if (c == null) {
                        throw OAuthException.notFound("No such client");
                    }
                    return ClientView.of(c, null);
                });
    }

    @POST
    @Path("/{clientId}/secret")
    public Uni<Response> rotateSecret(@HeaderParam("Authorization") String authorization,
            @PathParam("clientId") String clientId, @Context HttpServerRequest http) {
        return auth.require(authorization, ADMIN)
                .chain(caller -> existing(clientId).chain(c -> service.rotateSecret(c)
                        .call(secret -> audit.admin(AuditLog.CLIENT_SECRET_ROTATED, AuditLog.Actor.of(caller, http),
                                null, clientId, null, null))
                        .map(secret -> ClientView.of(c, secret))))
                .map(view -> Response.ok(view).header("Cache-Control", "no-store").build());
    }

    @DELETE
    @Path("/{clientId}")
    public Uni<Response> delete(@HeaderParam("Authorization") String authorization,
            @PathParam("clientId") String clientId, @Context HttpServerRequest http) {
        return auth.require(authorization, ADMIN)
                .invoke(caller -> reserved.refuseLoginClient(clientId))
                .chain(caller -> repository.find(clientId).chain(before -> service.delete(clientId)
                        .call(deleted -> deleted ? audit.admin(AuditLog.CLIENT_DELETED, AuditLog.Actor.of(caller, http),
                                null, clientId, before == null ? null : auditView(before), null)
                                : Uni.createFrom().voidItem())))
                .map(deleted -> {
                    if (!deleted) {
                        throw OAuthException.notFound("No such client");
                    }
                    return Response.noContent().build();
                });
    }

    private Uni<Client> existing(String clientId) {
        return repository.find(clientId).map(c -> {
            if (c == null) {
                throw OAuthException.notFound("No such client");
            }
            return c;
        });
    }

    private static int parseLimit(String limit) {
        if (limit == null) {
            return 100;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n >= 1 && n <= 500) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw OAuthException.invalidRequest("limit must be an integer from 1 to 500");
    }
}
