package dev.forgeauth.cli.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.Locale;

/**
 * What every command needs: the profile, the server (from {@code --server}, {@code FORGE_SERVER}, the
 * profile, or the local default), the output format and the config files.
 */
public final class Ctx {

    public static final String DEFAULT_SERVER = "http://localhost:8080";

    private final ConfigStore store;
    private final String profileName;
    private final String explicitServer;
    private final Output.Format format;
    private final boolean insecureHttp;
    private Profile profile;
    private boolean loaded;
    private Http http;

    public Ctx(ConfigStore store, String profileName, String explicitServer, Output.Format format) {
        this(store, profileName, explicitServer, format, false);
    }

    /** {@code insecureHttp}: {@code --insecure-http} was given, plain http to any host is allowed. */
    public Ctx(ConfigStore store, String profileName, String explicitServer, Output.Format format, boolean insecureHttp) {
        this.insecureHttp = insecureHttp;
        this.store = store;
        this.profileName = ConfigStore.checkProfile(profileName);
        this.explicitServer = explicitServer == null ? null : normaliseServer(explicitServer);
        this.format = format;
    }

    public ConfigStore store() {
        return store;
    }

    public String profileName() {
        return profileName;
    }

    public Output.Format format() {
        return format;
    }

    public boolean json() {
        return format == Output.Format.json;
    }

    /** The server given on the command line or in FORGE_SERVER, or null. */
    public String explicitServer() {
        return explicitServer;
    }

    /** --server, FORGE_SERVER, the profile's server, http://localhost:8080. */
    public String server() {
        if (explicitServer != null) {
            return explicitServer;
        }
        Profile p = profile();
        if (p != null && p.server() != null) {
            return p.server();
        }
        return DEFAULT_SERVER;
    }

    public Http http() {
        if (http == null) {
            http = http(server());
        }
        return http;
    }

    /** A client for a server (this run's, or a stored login's), after {@link #checkTransport}. */
    public Http http(String server) {
        checkTransport(server, insecureHttp);
        return new Http(server);
    }

    /**
     * Refuses plain {@code http://} to anything but this machine unless {@code --insecure-http} was
     * given: passwords, client secrets and tokens would cross the network readable by anyone on the path.
     *
     * @throws CliException (usage) when refused
     */
    public static void checkTransport(String server, boolean insecureHttp) {
        URI u = URI.create(server);
        if ("http".equalsIgnoreCase(u.getScheme()) && !insecureHttp && !loopback(u.getHost())) {
            throw CliException.usage("refusing plain http to " + Text.oneLine(u.getHost())
                    + ": passwords and tokens would cross the network unencrypted; use https, or pass "
                    + "--insecure-http (or set FORGE_INSECURE_HTTP=1) if you really mean it");
        }
    }

    /** localhost, 127.0.0.0/8 or ::1, judged from the name alone (no DNS lookup). */
    static boolean loopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.equals("localhost.")) {
            return true;
        }
        if (h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            return true;
        }
        return h.matches("(0{0,4}:){2,7}0{0,3}1") || h.equals("::1");
    }

    /** The stored profile, or null. */
    public Profile profile() {
        if (!loaded) {
            profile = readProfile();
            loaded = true;
        }
        return profile;
    }

    /** Reads the profile file again (another process may have refreshed it). */
    public Profile readProfile() {
        String text = store.read(store.profileFile(profileName));
        if (text == null) {
            return null;
        }
        JsonNode j = Json.parse(text);
        if (j == null || !j.isObject()) {
            throw CliException.error(store.profileFile(profileName) + " is not valid JSON: delete it or run 'forge logout'");
        }
        return Profile.fromJson(j);
    }

    public void saveProfile(Profile p) {
        store.writePrivate(store.profileFile(profileName), Json.pretty(p.toJson()) + "\n");
        profile = p;
        loaded = true;
    }

    public boolean deleteProfile() {
        boolean deleted = store.delete(store.profileFile(profileName));
        profile = null;
        loaded = true;
        return deleted;
    }

    /** "profile 'x'" for messages, empty for the default profile. */
    public String profileSuffix() {
        return "default".equals(profileName) ? "" : " --profile " + profileName;
    }

    /** An http(s) URL without a trailing slash, path, query or fragment. */
    public static String normaliseServer(String s) {
        String t = s.trim();
        URI u;
        try {
            u = URI.create(t);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--server must be an http(s) URL like http://localhost:8080 (got '" + Text.oneLine(s) + "')");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null || u.getRawQuery() != null
                || u.getRawFragment() != null || u.getRawUserInfo() != null) {
            throw CliException.usage("--server must be an http(s) URL like http://localhost:8080 (got '" + Text.oneLine(s) + "')");
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return scheme + "://" + u.getRawAuthority() + path;
    }

    public static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
