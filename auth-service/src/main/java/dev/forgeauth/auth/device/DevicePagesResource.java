package dev.forgeauth.auth.device;

import dev.forgeauth.auth.authorize.PageSession;
import dev.forgeauth.auth.authorize.Pages;
import dev.forgeauth.auth.authorize.PendingStore;
import dev.forgeauth.auth.client.ClientRegistry;
import dev.forgeauth.auth.client.Scopes;
import dev.forgeauth.auth.config.FrontDoor;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The page where a signed-in person enters the code a device shows and approves or denies it (RFC 8628
 * §3.3). Plain forms, CSRF-protected by the session's token.
 */
@Path("/device")
public class DevicePagesResource {

    private final PageSession pages;
    private final PendingStore pending;
    private final DeviceCodes codes;
    private final ClientRegistry clients;
    private final Template device;
    private final Template confirm;
    private final Template done;
    private final Template login;
    private final FrontDoor frontDoor;

    public DevicePagesResource(PageSession pages, PendingStore pending, DeviceCodes codes, ClientRegistry clients,
            @Location("device.html") Template device, @Location("device-confirm.html") Template confirm,
            @Location("device-done.html") Template done, @Location("login.html") Template login, FrontDoor frontDoor) {
        this.pages = pages;
        this.pending = pending;
        this.codes = codes;
        this.clients = clients;
        this.device = device;
        this.confirm = confirm;
        this.done = done;
        this.login = login;
        this.frontDoor = frontDoor;
    }

    @GET
    public Uni<Response> show(@QueryParam("user_code") String userCode, @CookieParam("df_session") String cookie) {
        return pages.visitor(cookie).chain(v -> {
            if (v == null) {
                String back = "/device" + (userCode == null || DeviceCodes.normalise(userCode) == null ? ""
                        : "?user_code=" + URLEncoder.encode(DeviceCodes.normalise(userCode), StandardCharsets.UTF_8));
                return pending.createReturn(back).map(p -> Pages.html(200, login.data("req", p.id()).data("csrf", p.csrf())
                        .data("client", "device sign-in").data("error", null)));
            }
            if (userCode != null) {
                return confirmPage(v, userCode);
            }
            return Uni.createFrom().item(enterPage(v, null, null));
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> enter(@FormParam("user_code") String userCode, @FormParam("csrf") String csrf,
            @CookieParam("df_session") String cookie) {
        return pages.visitor(cookie).chain(v -> {
            if (v == null || !v.csrfMatches(csrf)) {
                return Uni.createFrom().item(Response.seeOther(frontDoor.url("/device")).build());
            }
            return confirmPage(v, userCode);
        });
    }

    @POST
    @Path("/confirm")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> decide(@FormParam("user_code") String userCode, @FormParam("csrf") String csrf,
            @FormParam("decision") String decision, @CookieParam("df_session") String cookie) {
        return pages.visitor(cookie).chain(v -> {
            if (v == null || !v.csrfMatches(csrf)) {
                return Uni.createFrom().item(Response.seeOther(frontDoor.url("/device")).build());
            }
            String code = DeviceCodes.normalise(userCode);
            boolean approve = "approve".equals(decision);
            return codes.decide(code == null ? "" : code, v.user().id(), approve).map(ok -> ok
                    ? Pages.html(200, done.data("approved", approve))
                    : enterPage(v, null, "That code is not valid or has expired."));
        });
    }

    private Uni<Response> confirmPage(PageSession.Visitor v, String userCode) {
        return codes.findByUserCode(userCode).chain(p -> {
            if (p == null) {
                return Uni.createFrom().item(enterPage(v, userCode, "That code is not valid or has expired."));
            }
            return clients.find(p.clientId()).map(c -> Pages.html(200, confirm.data("csrf", v.csrf())
                    .data("code", p.userCode()).data("client", c.map(x -> x.clientName()).orElse(p.clientId()))
                    .data("email", v.user().email()).data("scopes", List.copyOf(Scopes.parse(p.scope())))
                    .data("clientId", p.clientId())
                    .data("requestedAt", REQUESTED_AT.format(p.createdAt()))
                    .data("origin", p.originAddress() == null ? "an unknown address" : p.originAddress())));
        });
    }

    /** When the device asked, in UTC (the person compares it with when they started the login). */
    private static final java.time.format.DateTimeFormatter REQUESTED_AT = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(java.time.ZoneOffset.UTC);

    private Response enterPage(PageSession.Visitor v, String typed, String error) {
        return Pages.html(error == null ? 200 : 400, device.data("csrf", v.csrf()).data("email", v.user().email())
                .data("code", typed == null ? "" : typed).data("error", error));
    }
}
