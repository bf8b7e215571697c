package dev.forgeauth.auth.mfa;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.auth.session.UserAuth;
import dev.forgeauth.auth.user.User;
import dev.forgeauth.auth.user.UserRepository;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.http.JsonFields;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/** TOTP enrolment, activation and removal for the signed-in user (RFC 6238). */
@Path("/auth/mfa/totp")
@Produces(MediaType.APPLICATION_JSON)
public class MfaResource {

    private final UserAuth userAuth;
    private final UserRepository users;
    private final TotpService totp;

    public MfaResource(UserAuth userAuth, UserRepository users, TotpService totp) {
        this.userAuth = userAuth;
        this.users = users;
        this.totp = totp;
    }

    @RegisterForReflection
    public record EnrolmentView(@JsonProperty("secret") String secret, @JsonProperty("otpauth_uri") String otpauthUri,
            @JsonProperty("qr_png") String qrPng) {
    }

    @RegisterForReflection
    public record BackupCodes(@JsonProperty("backup_codes") List<String> backupCodes) {
    }

    @POST
    public Uni<Response> enrol(@HeaderParam("Authorization") String authorization, @CookieParam("df_session") String cookie) {
        return signedInUser(authorization, cookie).chain(totp::enrol)
                .map(e -> Response.ok(new EnrolmentView(e.secret(), e.otpauthUri(), e.qrPng()))
                        .header("Cache-Control", "no-store").build());
    }

    @POST
    @Path("/verify")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> verify(@HeaderParam("Authorization") String authorization, @CookieParam("df_session") String cookie,
            JsonNode body, @Context HttpServerRequest http) {
        String code = JsonFields.requiredText(body, "code", 32);
        return signedInUser(authorization, cookie).chain(u -> totp.activate(u, code.strip(), ip(http)))
                .map(codes -> Response.ok(new BackupCodes(codes)).header("Cache-Control", "no-store").build());
    }

    @DELETE
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    public Uni<Response> disable(@HeaderParam("Authorization") String authorization,
            @CookieParam("df_session") String cookie, JsonNode body, @Context HttpServerRequest http) {
        String code = JsonFields.requiredText(body, "code", 32);
        return signedInUser(authorization, cookie).chain(u -> {
            if (!u.totpEnabled()) {
                return Uni.createFrom().failure(OAuthException.invalidRequest("Two-factor authentication is not on"));
            }
            return totp.disable(u, code, ip(http));
        }).map(v -> Response.noContent().build());
    }

    private Uni<User> signedInUser(String authorization, String cookie) {
        return userAuth.require(authorization, cookie).chain(who -> users.findById(who.userId())).map(u -> {
            if (u == null) {
                throw OAuthException.invalidToken("The account no longer exists");
            }
            return u;
        });
    }

    static String ip(HttpServerRequest http) {
        return http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
    }
}
