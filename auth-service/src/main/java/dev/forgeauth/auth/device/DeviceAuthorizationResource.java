package dev.forgeauth.auth.device;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forgeauth.auth.admin.ClientMetadata;
import dev.forgeauth.auth.authorize.AuthorizeResource;
import dev.forgeauth.auth.client.Scopes;
import dev.forgeauth.auth.config.FrontDoor;
import dev.forgeauth.auth.token.ClientAuthenticator;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.http.ClientAddresses;
import dev.forgeauth.core.http.FormBody;
import dev.forgeauth.core.ratelimit.FailureLimiter;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Set;

/**
 * The device authorization endpoint: a CLI or TV asks for a device code and a user code, shows the user
 * code and {@code /device}, and polls the token endpoint.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8628#section-3.1">RFC 8628 §3.1</a>
 */
@Path("/oauth/device_authorization")
public class DeviceAuthorizationResource {

    private final ClientAuthenticator authenticator;
    private final DeviceCodes codes;
    private final FrontDoor frontDoor;
    private final FailureLimiter requests;
    private final ForgeConfig.Device limits;

    public DeviceAuthorizationResource(ClientAuthenticator authenticator, DeviceCodes codes, FrontDoor frontDoor,
            ReactiveRedisDataSource redis, ForgeConfig config) {
        this.authenticator = authenticator;
        this.codes = codes;
        this.frontDoor = frontDoor;
        this.limits = config.device();
        // a fixed-window counter of every request (not only failures): a public client needs no secret,
        // so each request would otherwise be a free row in PostgreSQL
        this.requests = new FailureLimiter(redis, limits.requestWindow());
    }

    @RegisterForReflection
    public record DeviceAuthorization(@JsonProperty("device_code") String deviceCode,
            @JsonProperty("user_code") String userCode, @JsonProperty("verification_uri") String verificationUri,
            @JsonProperty("verification_uri_complete") String verificationUriComplete,
            @JsonProperty("expires_in") long expiresIn, @JsonProperty("interval") int interval) {
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> authorize(@HeaderParam("Content-Type") String contentType,
            @HeaderParam("Authorization") String authorization, String body, @Context HttpServerRequest http) {
        FormBody.requireFormContentType(contentType);
        Map<String, String> params = FormBody.parse(body);
        String remote = http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
        String rawScope = params.remove("scope");
        String addressKey = "device:addr:" + ClientAddresses.limitKey(remote);
        return count(addressKey, limits.maxRequestsPerAddress())
                .chain(() -> authenticator.authenticate(authorization, params, remote))
                .call(client -> count("device:client:" + client.clientId(), limits.maxRequestsPerClient()))
                .chain(client -> {
            if (!client.allowsGrant(ClientMetadata.DEVICE_CODE)) {
                throw OAuthException.unauthorizedClient("This client may not use the device flow");
            }
            Set<String> scopes = rawScope == null ? client.scopes() : Scopes.parseStrict(rawScope);
            if (scopes == null || scopes.isEmpty()) {
                throw OAuthException.invalidScope("The scope parameter is malformed or empty");
            }
            for (String s : scopes) {
                if (!client.scopes().contains(s) && !AuthorizeResource.OIDC_SCOPES.contains(s)) {
                    throw OAuthException.invalidScope("Scope '" + s + "' is not allowed for this client");
                }
            }
            return codes.issue(client.clientId(), Scopes.join(scopes), remote);
        }).map(issued -> {
            String issuer = frontDoor.base();
            return Response.ok(new DeviceAuthorization(issued.deviceCode(), issued.userCode(), issuer + "/device",
                    issuer + "/device?user_code=" + issued.userCode(), DeviceCodes.LIFETIME_SECONDS,
                    codes.interval())).header("Cache-Control", "no-store").build();
        });
    }

    /** Counts one request under {@code key}; 429 with Retry-After past {@code limit} in the window. */
    private Uni<Void> count(String key, int limit) {
        long blocked = requests.retryAfter(key);
        if (blocked > 0) {
            return Uni.createFrom().failure(OAuthException.tooManyRequests(blocked));
        }
        return requests.recordFailure(key, limit).map(wait -> {
            if (wait > 0) {
                throw OAuthException.tooManyRequests(wait);
            }
            return null;
        });
    }
}
