package dev.forgeauth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeauth.cli.support.CliException;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Secrets;
import dev.forgeauth.cli.support.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "admin", mixinStandardHelpOptions = true,
        header = "The admin API: OAuth clients, users, signing keys (scope admin).",
        description = {
            "Admin commands authenticate as a confidential client with scope admin: --as CLIENT_ID (or "
                + "$FORGE_ADMIN_CLIENT_ID) with its secret in $FORGE_CLIENT_SECRET or on --client-secret-stdin; "
                + "its token is minted and cached as by 'forge token mint'. Without --as, the stored login is "
                + "used, and must carry scope admin.",
        },
        subcommands = {AdminCommand.Clients.class, AdminCommand.Users.class, AdminCommand.Keys.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  export FORGE_ADMIN_CLIENT_ID=forge-admin FORGE_CLIENT_SECRET=…",
            "  forge admin client create --name billing --scope \"deployment:read deployment:write\"",
            "  forge admin user create --email dev@example.com --scope deployment:read   # prompts for the password",
            "  forge admin keys rotate",
        })
public class AdminCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw Commands.missingSubcommand(spec);
    }

    static JsonNode ok(Http.Response r) {
        if (!r.ok()) {
            throw r.failure();
        }
        return r.json();
    }

    /** Every page of a list endpoint ({@code after} = the last item's {@code key}). */
    static ArrayNode all(Ctx ctx, String path, String authorization, String key) {
        ArrayNode out = Json.array();
        String after = null;
        for (int page = 0; page < 1000; page++) {
            String q = path + "?limit=500" + (after == null ? "" : "&after=" + Http.enc(after));
            JsonNode items = ok(ctx.http().get(q, authorization));
            if (items == null || !items.isArray()) {
                throw CliException.error("GET " + path + " did not answer a JSON array");
            }
            items.forEach(out::add);
            if (items.size() < 500) {
                break;
            }
            after = items.get(items.size() - 1).path(key).asText();
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ clients

    @Command(name = "client", mixinStandardHelpOptions = true, header = "Manage OAuth clients.",
            subcommands = {ClientCreate.class, ClientList.class, ClientRotateSecret.class, ClientDelete.class},
            footerHeading = "%nExamples:%n",
            footer = {
                "  forge admin client create --name billing --scope deployment:read",
                "  forge admin client create --client-id forge-cli --name \"forge CLI\" --public \\",
                "      --grant device_code --grant refresh_token --scope \"deployment:read deployment:write\"",
                "  forge admin client list",
                "  forge admin client rotate-secret billing-1a2b",
                "  forge admin client delete billing-1a2b",
            })
    public static class Clients implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw Commands.missingSubcommand(spec);
        }
    }

    static final Map<String, String> GRANT_ALIASES = Map.of(
            "device_code", "urn:ietf:params:oauth:grant-type:device_code",
            "device", "urn:ietf:params:oauth:grant-type:device_code",
            "code", "authorization_code");

    @Command(name = "create", mixinStandardHelpOptions = true,
            header = "Register a client; a confidential client's secret is shown once.",
            description = "Grants: client_credentials (the default), authorization_code, refresh_token, device_code "
                    + "(short for urn:ietf:params:oauth:grant-type:device_code).",
            footerHeading = "%nExamples:%n",
            footer = {
                "  forge admin client create --name billing --scope \"deployment:read deployment:write\"",
                "  SECRET=$(forge admin client create --name ci --scope deployment:read -q)",
                "  forge admin client create --name web --grant code --grant refresh_token \\",
                "      --redirect-uri https://app.example.com/callback --scope \"openid deployment:read\"",
                "  forge admin client create --client-id forge-cli --name \"forge CLI\" --public \\",
                "      --grant device_code --grant refresh_token --scope deployment:read",
            })
    public static class ClientCreate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminAuth auth;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "client_name.")
        String name;

        @Option(names = "--client-id", paramLabel = "ID", description = "The client_id. Default: made by the server.")
        String clientId;

        @Option(names = "--grant", paramLabel = "GRANT", description = "A grant type (repeatable).")
        List<String> grants;

        @Option(names = "--redirect-uri", paramLabel = "URI", description = "A redirect URI (repeatable).")
        List<String> redirectUris;

        @Option(names = "--scope", paramLabel = "SCOPES",
                description = "What the client may request (repeatable, or space-separated).")
        List<String> scopes;

        @Option(names = "--public", description = "A public client (no secret, token_endpoint_auth_method none).")
        boolean isPublic;

        @Option(names = "--auth-method", paramLabel = "METHOD",
                description = "client_secret_basic (default), client_secret_post or none.")
        String authMethod;

        @Option(names = "--access-token-ttl", paramLabel = "DURATION",
                description = "Access token lifetime: seconds or 15m, 1h… Default: the server's (1h).")
        String ttl;

        @Option(names = {"-q", "--quiet"}, description = "Print only the client secret (the client_id for a public client).")
        boolean quiet;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            ObjectNode body = Json.object().put("client_name", name);
            if (clientId != null) {
                body.put("client_id", clientId);
            }
            if (grants != null) {
                ArrayNode a = body.putArray("grant_types");
                for (String g : UserApi.scopes(grants)) {
                    a.add(GRANT_ALIASES.getOrDefault(g, g));
                }
            }
            if (redirectUris != null) {
                ArrayNode a = body.putArray("redirect_uris");
                redirectUris.forEach(a::add);
            }
            if (scopes != null) {
                body.put("scope", String.join(" ", UserApi.scopes(scopes)));
            }
            if (isPublic && authMethod != null && !"none".equals(authMethod)) {
                throw CliException.usage("--public means --auth-method none");
            }
            if (isPublic || authMethod != null) {
                body.put("token_endpoint_auth_method", isPublic ? "none" : authMethod);
            }
            if (ttl != null) {
                body.put("access_token_ttl", Text.seconds(ttl, "--access-token-ttl"));
            }
            JsonNode created = ok(ctx.http().postJson("/admin/clients", auth.authorization(ctx), body));
            printClient(ctx, created, quiet);
            return 0;
        }
    }

    static void printClient(Ctx ctx, JsonNode c, boolean quiet) {
        String secret = Json.text(c, "client_secret");
        if (quiet) {
            Output.line(secret != null ? secret : Json.text(c, "client_id"));
            return;
        }
        if (ctx.json()) {
            Output.json(c);
        } else {
            List<String[]> rows = new ArrayList<>();
            for (String[] f : Output.fieldsOf(c)) {
                if (f[0].equals("client_id_issued_at") && c.get(f[0]).isNumber()) {
                    f[1] = Text.time(c.get(f[0]).asLong());
                }
                rows.add(f);
            }
            Output.fields(rows);
        }
        if (secret != null) {
            Output.note("Copy the client secret now: it is shown only this once.");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "List clients (never their secrets).",
            footerHeading = "%nExamples:%n", footer = {"  forge admin client list", "  forge admin client list -o json"})
    public static class ClientList implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminAuth auth;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            ArrayNode clients = all(ctx, "/admin/clients", auth.authorization(ctx), "client_id");
            if (ctx.json()) {
                Output.json(clients);
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode c : clients) {
                List<String> g = new ArrayList<>();
                c.path("grant_types").forEach(x -> g.add(x.asText().replace("urn:ietf:params:oauth:grant-type:", "")));
                rows.add(List.of(c.path("client_id").asText(""), c.path("client_name").asText(""),
                        "none".equals(c.path("token_endpoint_auth_method").asText()) ? "public" : "confidential",
                        String.join(" ", g), c.path("scope").asText(""),
                        Text.human(java.time.Duration.ofSeconds(c.path("access_token_ttl").asLong()))));
            }
            Output.table(List.of("CLIENT ID", "NAME", "TYPE", "GRANTS", "SCOPE", "TOKEN TTL"), rows);
            return 0;
        }
    }

    @Command(name = "rotate-secret", mixinStandardHelpOptions = true,
            header = "Give a confidential client a new secret (shown once); the old one stops working at once.",
            footerHeading = "%nExamples:%n",
            footer = {"  forge admin client rotate-secret billing-1a2b", "  NEW=$(forge admin client rotate-secret billing-1a2b -q)"})
    public static class ClientRotateSecret implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminAuth auth;

        @Parameters(index = "0", paramLabel = "CLIENT_ID")
        String clientId;

        @Option(names = {"-q", "--quiet"}, description = "Print only the new secret.")
        boolean quiet;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            JsonNode c = ok(ctx.http().send("POST", "/admin/clients/" + Http.segment(clientId) + "/secret",
                    Http.headers(auth.authorization(ctx)), null));
            printClient(ctx, c, quiet);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            header = "Delete clients; their tokens stop working.",
            footerHeading = "%nExamples:%n", footer = {"  forge admin client delete billing-1a2b"})
    public static class ClientDelete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminAuth auth;

        @Parameters(arity = "1..*", paramLabel = "CLIENT_ID")
        List<String> clientIds;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            String authorization = auth.authorization(ctx);
            for (String id : clientIds) {
                ok(ctx.http().delete("/admin/clients/" + Http.segment(id), authorization));
                Output.note("Deleted client " + id + ".");
            }
            return 0;
        }
    }

    // -------------------------------------------------------------------------------------------- users

    @Command(name = "user", mixinStandardHelpOptions = true, header = "Manage users.",
            subcommands = {UserCreate.class, UserList.class, UserDelete.class},
            footerHeading = "%nExamples:%n",
            footer = {
                "  forge admin user create --email dev@example.com --scope deployment:read",
                "  forge admin user list",
                "  forge admin user delete dev@example.com",
            })
    public static class Users implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw Commands.missingSubcommand(spec);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            header = "Create a user.",
            description = "The password comes from --password-stdin, $FORGE_USER_PASSWORD or a prompt (twice), never "
                    + "from an argument.",
            footerHeading = "%nExamples:%n",
            footer = {
                "  forge admin user create --email dev@example.com --scope deployment:read --scope deployment:write",
                "  printf '%%s\\n' \"$PW\" | forge admin user create --email ci@example.com --password-stdin",
            })
    public static class UserCreate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminAuth auth;

        @Option(names = "--email", required = true, paramLabel = "EMAIL")
        String email;

        @Option(names = "--scope", paramLabel = "SCOPE",
                description = "What the user may hold (repeatable, or space-separated). Default: the server's (deployment:read).")
        List<String> scopes;

        @Option(names = "--password-stdin", description = "Read the password from standard input.")
        boolean passwordStdin;

        @Option(names = "--password", hidden = true, paramLabel = "PASSWORD")
        void refusePassword(String ignored) {
            throw Commands.secretArgument(spec, "--password", "pipe it to --password-stdin, set FORGE_USER_PASSWORD or "
                    + "let forge prompt for it");
        }

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            String authorization = auth.authorization(ctx); // may read a secret from stdin first
            String password = Secrets.password(passwordStdin, "--password-stdin", "FORGE_USER_PASSWORD",
                    "Password for " + email + ": ", true);
            ObjectNode body = Json.object().put("email", email).put("password", password);
            if (scopes != null) {
                ArrayNode a = body.putArray("scopes");
                UserApi.scopes(scopes).forEach(a::add);
            }
            JsonNode u = ok(ctx.http().postJson("/admin/users", authorization, body));
            if (ctx.json()) {
                Output.json(u);
            } else {
                Output.fields(userRows(u));
            }
            return 0;
        }
    }

    static List<String[]> userRows(JsonNode u) {
        List<String[]> rows = new ArrayList<>();
        for (String[] f : Output.fieldsOf(u)) {
            if (f[0].endsWith("_at")) {
                f[1] = Text.time(f[1]);
            }
            rows.add(f);
        }
        return rows;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "List users.",
            footerHeading = "%nExamples:%n", footer = {"  forge admin user list", "  forge admin user list -o json"})
    public static class UserList implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminAuth auth;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            ArrayNode users = all(ctx, "/admin/users", auth.authorization(ctx), "email");
            if (ctx.json()) {
                Output.json(users);
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode u : users) {
                rows.add(List.of(u.path("id").asText(""), u.path("email").asText(""), Output.value(u.get("scopes")),
                        u.path("mfa_enabled").asBoolean() ? "yes" : "no", Text.time(u.path("created_at").asText(""))));
            }
            Output.table(List.of("ID", "EMAIL", "SCOPES", "2FA", "CREATED"), rows);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            header = "Delete users (by id or email); every credential they hold is revoked.",
            footerHeading = "%nExamples:%n",
            footer = {"  forge admin user delete dev@example.com", "  forge admin user delete 5b0e…"})
    public static class UserDelete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminAuth auth;

        @Parameters(arity = "1..*", paramLabel = "ID|EMAIL")
        List<String> users;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            String authorization = auth.authorization(ctx);
            ArrayNode known = null;
            for (String u : users) {
                String id = u;
                if (u.contains("@")) {
                    if (known == null) {
                        known = all(ctx, "/admin/users", authorization, "email");
                    }
                    id = null;
                    for (JsonNode x : known) {
                        if (x.path("email").asText().equalsIgnoreCase(u.trim())) {
                            id = x.path("id").asText();
                        }
                    }
                    if (id == null) {
                        throw CliException.error("no user with email " + u);
                    }
                }
                ok(ctx.http().delete("/admin/users/" + Http.segment(id), authorization));
                Output.note("Deleted user " + u + ".");
            }
            return 0;
        }
    }

    // --------------------------------------------------------------------------------------------- keys

    @Command(name = "keys", mixinStandardHelpOptions = true, header = "Signing keys.",
            subcommands = {KeysRotate.class, KeysList.class},
            footerHeading = "%nExamples:%n", footer = {"  forge admin keys list", "  forge admin keys rotate"})
    public static class Keys implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw Commands.missingSubcommand(spec);
        }
    }

    static void printKeys(Ctx ctx, JsonNode keys) {
        if (ctx.json()) {
            Output.json(keys);
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode k : keys) {
            rows.add(List.of(k.path("kid").asText(""), k.path("alg").asText(""), k.path("status").asText(""),
                    Text.time(k.path("created_at").asText("")), Text.time(k.path("activates_at").asText("")),
                    Text.time(k.path("retires_at").asText(""))));
        }
        Output.table(List.of("KID", "ALG", "STATUS", "CREATED", "ACTIVATES", "RETIRES"), rows);
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            header = "Start a key rotation: a new key is published now and signs once every verifier has it.",
            footerHeading = "%nExamples:%n", footer = {"  forge admin keys rotate"})
    public static class KeysRotate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminAuth auth;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            JsonNode keys = ok(ctx.http().send("POST", "/admin/keys/rotate", Http.headers(auth.authorization(ctx)), null));
            printKeys(ctx, keys);
            Output.note("Rotation started: the 'next' key signs once its publish delay has passed.");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "List signing keys (public parts only).",
            footerHeading = "%nExamples:%n", footer = {"  forge admin keys list"})
    public static class KeysList implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        AdminAuth auth;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            printKeys(ctx, ok(ctx.http().get("/admin/keys", auth.authorization(ctx))));
            return 0;
        }
    }
}
