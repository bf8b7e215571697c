package dev.forgeauth.auth.revocation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.auth.audit.AuditLog;
import dev.forgeauth.auth.security.BearerAuth;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cuts off a compromised client or subject in one step: every token of it issued before
 * {@code not_before} (default: the end of the current second) is revoked, wherever it is presented, and
 * the refresh-token families and sessions started before it end.
 * {@code POST /admin/revocations {"client_id": "…"} } or {@code {"subject": "…", "not_before": 1790000000}}.
 */
@Path("/admin/revocations")
@Produces(MediaType.APPLICATION_JSON)
public class RevocationAdminResource {

    private final BearerAuth auth;
    private final RevocationStore store;
    private final RevocationLimits limits;
    private final AuditLog audit;
    private final DerivedRevocation derived;

    public RevocationAdminResource(BearerAuth auth, RevocationStore store, RevocationLimits limits, AuditLog audit,
            DerivedRevocation derived) {
        this.audit = audit;
        this.auth = auth;
        this.store = store;
        this.limits = limits;
        this.derived = derived;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> cutOff(@HeaderParam("Authorization") String authorization, JsonNode body,
            @Context HttpServerRequest http) {
        return auth.require(authorization, JwtRevoker.ADMIN).chain(caller -> {
            if (body == null || !body.isObject()) {
                throw OAuthException.invalidRequest("The request body must be a JSON object");
            }
            boolean byClient = body.hasNonNull("client_id");
            boolean bySubject = body.hasNonNull("subject");
            if (byClient == bySubject) {
                throw OAuthException.invalidRequest("Give exactly one of client_id and subject");
            }
            JsonNode id = body.get(byClient ? "client_id" : "subject");
            if (!id.isTextual() || id.textValue().isEmpty() || id.textValue().length() > 256) {
                throw OAuthException.invalidRequest((byClient ? "client_id" : "subject") + " must be a non-empty string");
            }
            long now = System.currentTimeMillis() / 1000;
            // iat has second precision: "now" is the end of this second, so a token issued earlier in the
            // same second is covered (tokens this service issues afterwards carry iat = not_before)
            long notBefore = now + 1;
            if (body.has("not_before")) {
                JsonNode nb = body.get("not_before");
                if (!nb.isIntegralNumber() || nb.longValue() < 0 || nb.longValue() > now + 86400) {
                    throw OAuthException.invalidRequest("not_before must be epoch seconds, at most a day ahead");
                }
                notBefore = nb.longValue();
            }
            long nbf = notBefore;
            String kind = byClient ? "client" : "subject";
            // what could mint new tokens first (refresh families, sessions), then the announcement
            return limits.cutOff(caller.clientId())
                    .chain(() -> byClient ? derived.clientCutOff(id.textValue(), nbf)
                            : derived.subjectCutOff(id.textValue(), nbf))
                    .chain(() -> store.cutOff(kind, id.textValue(), nbf))
                    .call(() -> audit.admin(AuditLog.CUT_OFF, AuditLog.Actor.of(caller, http), null,
                            kind + ":" + id.textValue(), null, new JsonObject().put("kind", kind)
                                    .put(byClient ? "client_id" : "subject", id.textValue()).put("not_before", nbf)))
                    .map(v -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put(byClient ? "client_id" : "subject", id.textValue());
                out.put("not_before", nbf);
                return Response.ok(out).build();
            });
        });
    }
}
