package dev.forgeauth.auth.support;

import static io.restassured.RestAssured.given;

import io.restassured.response.Response;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a browser does in the authorization flow, step by step, without following redirects. */
public final class Browser {

    private Browser() {
    }

    public static String verifier() {
        return dev.forgeauth.core.crypto.RandomTokens.urlSafe(32);
    }

    public static String challenge(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static Response authorize(Map<String, String> params, String cookie) {
        var req = given().redirects().follow(false);
        if (cookie != null) {
            req = req.cookie("df_session", cookie);
        }
        params.forEach(req::queryParam);
        return req.get("/oauth/authorize");
    }

    /** The hidden form field {@code name} of an HTML page. */
    public static String field(String html, String name) {
        Matcher m = Pattern.compile("name=\"" + name + "\" value=\"([^\"]*)\"").matcher(html);
        if (!m.find()) {
            throw new AssertionError("no field " + name + " in page:\n" + html);
        }
        return m.group(1);
    }

    public static Response post(String path, String cookie, Map<String, String> form) {
        var req = given().redirects().follow(false).contentType("application/x-www-form-urlencoded");
        if (cookie != null) {
            req = req.cookie("df_session", cookie);
        }
        form.forEach(req::formParam);
        return req.post(path);
    }

    /** The query parameters of a redirect's Location. */
    public static Map<String, String> query(Response redirect) {
        String location = redirect.header("Location");
        if (location == null) {
            throw new AssertionError("no redirect: " + redirect.statusCode() + " " + redirect.asString());
        }
        Map<String, String> out = new HashMap<>();
        String q = URI.create(location).getRawQuery();
        if (q != null) {
            for (String pair : q.split("&")) {
                String[] kv = pair.split("=", 2);
                out.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        return out;
    }
}
