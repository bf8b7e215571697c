package dev.forgeauth.auth.config;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;

/**
 * The public origin of Forge Auth, from the configured issuer: every absolute URL the auth-service writes
 * (redirects, form actions, {@code verification_uri}, discovery) is built here. The {@code Host} and
 * {@code X-Forwarded-*} headers of a request are never used: behind the gateway they name the upstream
 * (issue 13, finding 1: a sign-in on {@code /device} redirected to {@code http://127.0.0.1/device}), and
 * in front of it they are whatever the client sent.
 */
@ApplicationScoped
public class FrontDoor {

    private final String base;

    public FrontDoor(ForgeConfig config) {
        this.base = strip(config.issuer());
    }

    /** The issuer without a trailing slash, e.g. {@code https://auth.example.com}. */
    public String base() {
        return base;
    }

    /** The absolute URL of one of our own paths ({@code /device?user_code=…}); never a foreign URL. */
    public URI url(String localPath) {
        if (localPath == null || !localPath.startsWith("/") || localPath.startsWith("//")
                || localPath.startsWith("/\\")) {
            throw new IllegalArgumentException("local paths only");
        }
        return URI.create(base + localPath);
    }

    static String strip(String issuer) {
        String s = issuer.trim();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
