package dev.forgeauth.auth.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forgeauth.auth.audit.AuditLog;
import dev.forgeauth.auth.keys.KeyRow;
import dev.forgeauth.auth.keys.KeySnapshot;
import dev.forgeauth.auth.keys.SigningKeys;
import dev.forgeauth.auth.security.BearerAuth;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;

/** Admin API for signing keys: list (public parts only) and rotate. */
@Path("/admin/keys")
@Produces(MediaType.APPLICATION_JSON)
public class KeyAdminResource {

    private final BearerAuth auth;
    private final SigningKeys keys;
    private final AuditLog audit;

    public KeyAdminResource(BearerAuth auth, SigningKeys keys, AuditLog audit) {
        this.audit = audit;
        this.auth = auth;
        this.keys = keys;
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyView(@JsonProperty("kid") String kid, @JsonProperty("alg") String alg,
            @JsonProperty("status") String status, @JsonProperty("created_at") Instant createdAt,
            @JsonProperty("activates_at") Instant activatesAt, @JsonProperty("retires_at") Instant retiresAt) {

        static KeyView of(KeyRow r) {
            return new KeyView(r.kid(), r.alg(), r.status().dbValue(), r.createdAt(),
                    r.status().dbValue().equals("next") ? r.activateAt() : null, r.retiresAt());
        }
    }

    @GET
    public Uni<List<KeyView>> list(@HeaderParam("Authorization") String authorization) {
        return auth.require(authorization, ClientAdminResource.ADMIN)
                .chain(caller -> keys.reload())
                .map(KeyAdminResource::views);
    }

    /** Publishes a next key; it signs once the publish delay has passed, and the active key retires then. */
    @POST
    @Path("/rotate")
    public Uni<Response> rotate(@HeaderParam("Authorization") String authorization, @Context HttpServerRequest http) {
        return auth.require(authorization, ClientAdminResource.ADMIN)
                .chain(caller -> {
                    JsonObject before = auditView(keys.snapshot());
                    return keys.rotate().call(s -> audit.admin(AuditLog.KEYS_ROTATED, AuditLog.Actor.of(caller, http),
                            null, "signing-keys", before, auditView(s)));
                })
                .map(s -> Response.accepted(views(s)).build());
    }

    /** The key set as the audit trail records it: kid, alg and status of each key (public facts only). */
    static JsonObject auditView(KeySnapshot s) {
        JsonArray a = new JsonArray();
        s.rows().forEach(r -> a.add(new JsonObject().put("kid", r.kid()).put("alg", r.alg()).put("status", r.status().dbValue())));
        return new JsonObject().put("keys", a);
    }

    static List<KeyView> views(KeySnapshot s) {
        return s.rows().stream().map(KeyView::of).toList();
    }
}
