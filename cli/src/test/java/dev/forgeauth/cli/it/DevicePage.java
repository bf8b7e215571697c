package dev.forgeauth.cli.it;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the person does in a browser while {@code forge login} waits: signs in (POST /auth/login gives
 * the df_session cookie), opens /device?user_code=…, and presses Allow or Deny (the form with its CSRF
 * token) — all through the gateway, as a browser would.
 */
final class DevicePage {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    private DevicePage() {
    }

    /** The df_session cookie of a password login. */
    static String signIn(String gateway, String email, String password) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("login answered " + r.statusCode() + ": " + r.body());
        }
        for (String c : r.headers().allValues("Set-Cookie")) {
            Matcher m = Pattern.compile("df_session=([^;]+)").matcher(c);
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no df_session cookie in " + r.headers().map());
    }

    /** Opens the confirmation page for the code and submits the decision ("approve" or "deny"). */
    static void decide(String gateway, String cookie, String userCode, String decision) throws Exception {
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/device?user_code="
                + URLEncoder.encode(userCode, StandardCharsets.UTF_8))).header("Cookie", "df_session=" + cookie).build(),
                HttpResponse.BodyHandlers.ofString());
        if (page.statusCode() != 200 || !page.body().contains(userCode)) {
            throw new AssertionError("/device answered " + page.statusCode() + ":\n" + page.body());
        }
        Matcher m = Pattern.compile("name=\"csrf\" value=\"([^\"]*)\"").matcher(page.body());
        if (!m.find()) {
            throw new AssertionError("no csrf field on the page:\n" + page.body());
        }
        String form = Map.of("csrf", m.group(1), "user_code", userCode, "decision", decision).entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> done = HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/device/confirm"))
                .header("Cookie", "df_session=" + cookie).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        if (done.statusCode() != 200) {
            throw new AssertionError("/device/confirm answered " + done.statusCode() + ":\n" + done.body());
        }
    }
}
