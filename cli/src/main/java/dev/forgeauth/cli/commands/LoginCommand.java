package dev.forgeauth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeauth.cli.support.CliException;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.DeviceFlow;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Jwt;
import dev.forgeauth.cli.support.Logins;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Profile;
import dev.forgeauth.cli.support.Secrets;
import dev.forgeauth.cli.support.Text;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "login", mixinStandardHelpOptions = true,
        header = "Log in and store the token pair for this profile.",
        description = {
            "By default the device authorization flow (RFC 8628): forge shows a URL and a code; open the URL "
                + "in any browser, sign in, check the code and approve. forge polls the server meanwhile (at "
                + "the interval it asks for, slower when told to slow down) and stores the tokens of the "
                + "OAuth client it logged in as (--client-id, a public client with the device_code and "
                + "refresh_token grants; 'forge-cli' unless said otherwise).",
            "",
            "With --password, a first-party password login (POST /auth/login), which the account commands "
                + "(pat, apikey, session) need: the server accepts only its own login tokens there. The "
                + "password comes from --password-stdin, $FORGE_PASSWORD or a prompt, never from an argument.",
            "",
            "The tokens go to $XDG_CONFIG_HOME/forge/profiles/<profile>.json (mode 0600, directory 0700) "
                + "and are refreshed automatically when the access token is near expiry. A login replaces "
                + "(and revokes) the profile's previous one.",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  forge login                                       # device flow against http://localhost:8080",
            "  forge login --server https://auth.example.com --profile prod",
            "  forge login --client-id my-cli --scope \"deployment:read openid\"",
            "  forge login --password --email dev@example.com    # prompts for the password",
            "  pass show forge | forge login --password --email dev@example.com --password-stdin",
        })
public class LoginCommand implements Callable<Integer> {

    static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    static final String DEFAULT_CLIENT = "forge-cli";

    @Spec
    CommandSpec spec;

    @Option(names = "--client-id", paramLabel = "ID",
            description = "Device login: the public OAuth client to log in as. Default: $FORGE_CLI_CLIENT_ID or forge-cli.")
    String clientId;

    @Option(names = "--scope", paramLabel = "SCOPES",
            description = "Device login: the scopes to ask for, space-separated. Default: all of the client's.")
    String scope;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Device login: give up waiting for the approval after this long (e.g. 2m). Default: "
                    + "the code's lifetime.")
    String timeout;

    @Option(names = "--password", description = "Log in with email and password instead of the device flow.")
    boolean password;

    @Option(names = "--email", paramLabel = "EMAIL", description = "Password login: the account. Default: $FORGE_EMAIL or a prompt.")
    String email;

    @Option(names = "--password-stdin", description = "Password login: read the password from standard input.")
    boolean passwordStdin;

    @Option(names = "--mfa-code", paramLabel = "CODE",
            description = "Password login: the one-time two-step verification code (TOTP or backup code), "
                    + "when the account has one. Default: $FORGE_MFA_CODE or a prompt.")
    String mfaCode;

    @Override
    public Integer call() {
        Ctx ctx = Commands.ctx(spec);
        if (!password && (email != null || passwordStdin || mfaCode != null)) {
            throw CliException.usage("--email, --password-stdin and --mfa-code go with --password");
        }
        if (password && (clientId != null || scope != null || timeout != null)) {
            throw CliException.usage("--client-id, --scope and --timeout are for the device login, not --password");
        }
        Profile old = ctx.profile();
        Profile fresh = password ? passwordLogin(ctx) : deviceLogin(ctx);
        if (old != null && old.signedIn()) {
            // the replaced login would otherwise stay valid, its refresh token for days
            LogoutCommand.revoke(ctx, old);
        }
        ctx.saveProfile(fresh);
        if (ctx.json()) {
            ObjectNode o = Json.object();
            o.put("profile", ctx.profileName());
            o.put("server", fresh.server());
            o.put("kind", fresh.kind());
            o.put("client_id", fresh.clientId());
            o.put("subject", fresh.subject());
            if (fresh.email() != null) {
                o.put("email", fresh.email());
            }
            o.put("scope", fresh.scope());
            o.put("expires_at", fresh.expiresAt());
            Output.json(o);
        } else {
            Output.note("Logged in to " + fresh.server() + " as " + (fresh.email() != null ? fresh.email() : fresh.subject())
                    + " (" + (Profile.DEVICE.equals(fresh.kind()) ? "client " + fresh.clientId() : "password login")
                    + (fresh.scope() == null || fresh.scope().isBlank() ? "" : ", scopes: " + fresh.scope())
                    + "; profile " + ctx.profileName() + ").");
        }
        return 0;
    }

    private Profile deviceLogin(Ctx ctx) {
        String client = clientId != null ? clientId : envOr("FORGE_CLI_CLIENT_ID", DEFAULT_CLIENT);
        Http http = ctx.http();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", client);
        if (scope != null && !scope.isBlank()) {
            form.put("scope", scope.trim());
        }
        Http.Response start = http.postForm("/oauth/device_authorization", null, form);
        if (!start.ok()) {
            String error = start.error();
            if ("invalid_client".equals(error) || "unauthorized_client".equals(error)) {
                throw new CliException(start.status() == 401 ? CliException.AUTH : CliException.ERROR,
                        start.failure().getMessage() + ": the server needs a public client '" + client
                                + "' with the device_code grant (an admin can create it: forge admin client create"
                                + " --client-id " + client + " --name \"forge CLI\" --public --grant device_code"
                                + " --grant refresh_token --scope \"…\"), or pass --client-id");
            }
            throw start.failure();
        }
        JsonNode d = start.json();
        String deviceCode = Json.text(d, "device_code");
        String userCode = Json.text(d, "user_code");
        String uri = Json.text(d, "verification_uri");
        String complete = Json.text(d, "verification_uri_complete");
        if (deviceCode == null || userCode == null || uri == null) {
            throw CliException.error("the device authorization answer lacks device_code, user_code or verification_uri");
        }
        long expiresIn = Json.number(d, "expires_in", 600);
        long interval = Json.number(d, "interval", 5);
        long limit = timeout == null ? expiresIn : Math.min(expiresIn, Text.seconds(timeout, "--timeout"));

        String warning = verificationWarning(ctx.server(), uri, complete);
        if (warning != null) {
            Output.note(warning);
        }
        Output.note("To log in, open " + (complete != null ? complete : uri));
        Output.note("and confirm the code " + userCode + (complete != null ? " (or go to " + uri + " and type it)" : "")
                + ".");
        Output.note("Waiting for approval (the code expires in " + Text.human(java.time.Duration.ofSeconds(expiresIn))
                + ")...");

        Map<String, String> pollForm = new LinkedHashMap<>();
        pollForm.put("grant_type", DEVICE_GRANT);
        pollForm.put("device_code", deviceCode);
        pollForm.put("client_id", client);
        DeviceFlow flow = new DeviceFlow(() -> http.postForm("/oauth/token", null, pollForm), Thread::sleep,
                System::currentTimeMillis, interval);
        JsonNode tokens = flow.await(limit);
        long now = Ctx.now();
        String access = Json.text(tokens, "access_token");
        if (access == null) {
            throw CliException.error("the token answer holds no access_token");
        }
        Jwt.Decoded jwt = Jwt.decode(access);
        String subject = jwt == null ? null : Json.text(jwt.claims(), "sub");
        Profile p = new Profile(ctx.server(), Profile.DEVICE, client, null, null, null, 0, 0, subject, null);
        return Logins.withAnswer(p, tokens, now);
    }

    private Profile passwordLogin(Ctx ctx) {
        String account = email != null ? email : System.getenv("FORGE_EMAIL");
        if (account == null || account.isBlank()) {
            account = Secrets.prompt("Email: ");
        }
        if (account == null || account.isBlank()) {
            throw CliException.usage("--email is required (or $FORGE_EMAIL) for a password login");
        }
        String pw = Secrets.password(passwordStdin, "--password-stdin", "FORGE_PASSWORD", "Password: ", false);
        Http http = ctx.http();
        Http.Response r = http.postJson("/auth/login", null,
                Json.object().put("email", account.trim()).put("password", pw));
        if (!r.ok()) {
            throw r.failure();
        }
        JsonNode answer = r.json();
        if (answer != null && answer.path("mfa_required").asBoolean(false)) {
            String code = mfaCode != null ? mfaCode : System.getenv("FORGE_MFA_CODE");
            if (code == null || code.isBlank()) {
                code = Secrets.prompt("Two-step verification code: ");
            }
            if (code == null || code.isBlank()) {
                throw CliException.auth("this account has two-step verification: pass --mfa-code (or $FORGE_MFA_CODE)");
            }
            r = http.postJson("/auth/login/mfa", null,
                    Json.object().put("mfa_token", Json.text(answer, "mfa_token")).put("code", code.trim()));
            if (!r.ok()) {
                throw r.failure();
            }
            answer = r.json();
        }
        long now = Ctx.now();
        String access = Json.text(answer, "access_token");
        if (access == null) {
            throw CliException.error("the login answer holds no access_token");
        }
        Jwt.Decoded jwt = Jwt.decode(access);
        String subject = jwt == null ? null : Json.text(jwt.claims(), "sub");
        String client = jwt == null ? "forge-login" : Json.text(jwt.claims(), "client_id");
        String granted = jwt == null ? null : Json.text(jwt.claims(), "scope");
        Profile p = new Profile(ctx.server(), Profile.PASSWORD, client, null, null, granted, 0, 0, subject,
                account.trim());
        return Logins.withAnswer(p, answer, now);
    }

    /**
     * A warning when the page the server sends the user to is not on the server forge talks to: a
     * phishing relay (RFC 8628 §5.4) or a misconfigured issuer would have the user sign in elsewhere.
     * Null when every given URI is http(s) on the {@code --server} host.
     */
    static String verificationWarning(String server, String... uris) {
        String expected = host(server);
        for (String uri : uris) {
            if (uri == null) {
                continue;
            }
            String scheme;
            String host;
            try {
                URI u = URI.create(uri.trim());
                scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                host = u.getHost() == null ? null : u.getHost().toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException e) {
                scheme = "";
                host = null;
            }
            if (!scheme.equals("http") && !scheme.equals("https") || host == null) {
                return "Warning: the server's verification URL '" + Text.oneLine(uri)
                        + "' is not a web address: do not open it unless you know why.";
            }
            if (!host.equals(expected)) {
                return "Warning: the verification page is on " + Text.oneLine(host) + ", not on " + expected
                        + " (the --server you log in to): sign in there only if you trust that site.";
            }
        }
        return null;
    }

    private static String host(String server) {
        String h = URI.create(server).getHost();
        return h == null ? "" : h.toLowerCase(Locale.ROOT);
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }
}
