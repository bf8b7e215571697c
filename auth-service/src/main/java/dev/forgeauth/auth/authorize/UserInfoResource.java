package dev.forgeauth.auth.authorize;

import dev.forgeauth.auth.security.BearerAuth;
import dev.forgeauth.auth.user.UserRepository;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The UserInfo endpoint: claims about the user behind an access token that holds scope {@code openid}.
 *
 * @see <a href="https://openid.net/specs/openid-connect-core-1_0.html#UserInfo">OIDC Core §5.3</a>
 */
@Path("/oauth/userinfo")
@Produces(MediaType.APPLICATION_JSON)
public class UserInfoResource {

    private final BearerAuth auth;
    private final UserRepository users;

    public UserInfoResource(BearerAuth auth, UserRepository users) {
        this.auth = auth;
        this.users = users;
    }

    @GET
    public Uni<Map<String, Object>> get(@HeaderParam("Authorization") String authorization) {
        return userinfo(authorization);
    }

    @POST
    public Uni<Map<String, Object>> post(@HeaderParam("Authorization") String authorization) {
        return userinfo(authorization);
    }

    private Uni<Map<String, Object>> userinfo(String authorization) {
        return auth.require(authorization, "openid").chain(caller -> {
            UUID id;
            try {
                id = UUID.fromString(caller.subject());
            } catch (IllegalArgumentException e) {
                return Uni.createFrom().failure(OAuthException.insufficientScope("openid"));
            }
            return users.findById(id).map(u -> {
                if (u == null) {
                    throw OAuthException.invalidToken("The user no longer exists");
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("sub", u.id().toString());
                if (caller.scopes().contains("email")) {
                    out.put("email", u.email());
                    out.put("email_verified", false);
                }
                return out;
            });
        });
    }
}
