package dev.forgeauth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeauth.cli.support.CliException;
import dev.forgeauth.cli.support.ClientTokens;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Jwt;
import dev.forgeauth.cli.support.Logins;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Profile;
import dev.forgeauth.cli.support.Secrets;
import dev.forgeauth.cli.support.Text;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "token", mixinStandardHelpOptions = true,
        header = "Mint, inspect and revoke tokens.",
        subcommands = {TokenCommand.Mint.class, TokenCommand.Inspect.class, TokenCommand.Revoke.class},
        footerHeading = "%nExamples:%n",
        footer = {
            "  export FORGE_CLIENT_SECRET=…   # e.g. from your CI's secret store",
            "  TOKEN=$(forge token mint --client-id billing --scope deployment:read)",
            "  forge token inspect \"$TOKEN\" --client-id forge-admin",
            "  forge token revoke \"$TOKEN\" --client-id billing",
        })
public class TokenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw Commands.missingSubcommand(spec);
    }

    /** The token argument, or standard input for "-" (a token in ps is a credential in ps). */
    static String tokenArgument(String arg) {
        String t = "-".equals(arg) ? Secrets.stdinData("TOKEN '-'") : arg;
        t = t == null ? "" : t.trim();
        if (t.isEmpty()) {
            throw CliException.usage("the token is empty");
        }
        return t;
    }

    @Command(name = "mint", mixinStandardHelpOptions = true,
            header = "Get an access token with the client credentials grant.",
            description = {
                "Prints only the access token (for $(…)); --json (or -o json) prints the whole token answer. "
                    + "The secret comes from $FORGE_CLIENT_SECRET or --client-secret-stdin, never from an "
                    + "argument. A token that still has at least a minute (or half its lifetime) left is "
                    + "reused from the cache ($XDG_CONFIG_HOME/forge/cache/, 0600), per server, client, scope "
                    + "and secret, unless --no-cache.",
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  export FORGE_CLIENT_SECRET=\"$(vault kv get -field=secret ci/billing)\"",
                "  TOKEN=$(forge token mint --client-id billing --scope \"deployment:read deployment:write\")",
                "  curl -H \"Authorization: Bearer $TOKEN\" http://localhost:8080/api/v1/deployments",
                "  printf %%s \"$SECRET\" | forge token mint --client-id billing --client-secret-stdin --json",
                "  forge token mint --client-id billing --no-cache   # always a new token",
            })
    public static class Mint implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--client-id", required = true, paramLabel = "ID", description = "The confidential client.")
        String clientId;

        @Option(names = "--scope", paramLabel = "SCOPES",
                description = "Space-separated scopes (a subset of the client's). Default: all of the client's.")
        String scope;

        @Option(names = "--json", description = "Print the whole token answer as JSON.")
        boolean json;

        @Option(names = "--no-cache", description = "Always ask the server for a new token (and do not store it).")
        boolean noCache;

        @Mixin
        SecretOptions secret;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            String s = secret.require(clientId);
            JsonNode answer = ClientTokens.mint(ctx, clientId, s, scope, !noCache);
            if (json || ctx.json()) {
                Output.json(answer);
            } else {
                Output.line(Json.text(answer, "access_token"));
            }
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            header = "Show a token's header and claims, and what the introspection endpoint says about it.",
            description = {
                "A JWT is decoded locally (not verified: the introspection answer says whether it is valid). "
                    + "Any token, PATs and API keys too, is introspected (RFC 7662) at POST /oauth/introspect "
                    + "by a caller allowed to: the client of --client-id (secret from $FORGE_CLIENT_SECRET or "
                    + "--client-secret-stdin, the client needs scope introspect), else the stored login if it "
                    + "holds scope introspect. TOKEN '-' reads the token from standard input.",
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  forge token inspect \"$TOKEN\" --client-id forge-admin",
                "  forge token inspect - --no-introspect < token.txt",
                "  forge token inspect \"$PAT\" --client-id forge-admin -o json",
            })
    public static class Inspect implements Callable<Integer> {

        static final Set<String> TIMES = Set.of("exp", "iat", "nbf", "auth_time");

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "TOKEN", description = "The token, or - to read it from standard input.")
        String tokenArg;

        @Option(names = "--client-id", paramLabel = "ID",
                description = "Introspect as this client (needs scope introspect). Default: $FORGE_CLIENT_ID, else "
                        + "the stored login.")
        String clientId;

        @Option(names = "--no-introspect", description = "Only decode; do not ask the server.")
        boolean noIntrospect;

        @Mixin
        SecretOptions secret;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            String token = tokenArgument(tokenArg);
            Jwt.Decoded decoded = Jwt.decode(token);
            String kind = decoded != null ? "jwt" : Jwt.opaqueKind(token);

            JsonNode introspection = null;
            CliException failure = null;
            String skipped = null;
            if (!noIntrospect) {
                String authorization = authorization(ctx);
                if (authorization == null) {
                    skipped = "introspection skipped: no caller (pass --client-id with $FORGE_CLIENT_SECRET, or log in "
                            + "with a token holding scope introspect)";
                } else {
                    Http.Response r = ctx.http().postForm("/oauth/introspect", authorization, Map.of("token", token));
                    if (r.ok()) {
                        introspection = r.json();
                    } else if (r.status() == 403 && !explicitCaller() && decoded != null) {
                        // the stored login was only a guess at a caller: decoding is still worth showing
                        skipped = "introspection skipped: your login lacks scope introspect (pass --client-id of a "
                                + "client that has it, with $FORGE_CLIENT_SECRET)";
                    } else {
                        failure = r.failure();
                    }
                }
            }
            if (decoded == null && introspection == null) {
                if (failure != null) {
                    throw failure;
                }
                throw new CliException(noIntrospect ? CliException.ERROR : CliException.AUTH,
                        "not a JWT" + (kind == null ? "" : " (a " + kind + ")") + ", so only introspection can tell "
                                + "more" + (skipped != null ? "; " + skipped : ""));
            }
            print(ctx, decoded, kind, introspection);
            if (skipped != null) {
                Output.note(skipped);
            }
            if (failure != null) {
                throw new CliException(failure.exitCode(), "introspection failed: " + failure.getMessage());
            }
            return 0;
        }

        private boolean explicitCaller() {
            String id = clientId != null ? clientId : System.getenv("FORGE_CLIENT_ID");
            return id != null && !id.isBlank() || Logins.fromEnvironment();
        }

        /** Basic for --client-id (or $FORGE_CLIENT_ID), Bearer for the stored login, or null. */
        private String authorization(Ctx ctx) {
            String id = clientId != null ? clientId : System.getenv("FORGE_CLIENT_ID");
            if (id != null && !id.isBlank()) {
                return Http.basic(id, secret.require(id));
            }
            Profile p = ctx.profile();
            if (Logins.fromEnvironment() || p != null && p.signedIn()) {
                return Http.bearer(Logins.bearer(ctx));
            }
            return null;
        }

        private void print(Ctx ctx, Jwt.Decoded decoded, String kind, JsonNode introspection) {
            if (ctx.json()) {
                ObjectNode o = Json.object();
                if (kind != null) {
                    o.put("kind", kind);
                }
                if (decoded != null) {
                    o.set("header", decoded.header());
                    o.set("claims", decoded.claims());
                }
                if (introspection != null) {
                    o.set("introspection", introspection);
                }
                Output.json(o);
                return;
            }
            long now = Ctx.now();
            if (decoded == null && kind != null) {
                Output.line("Kind: " + kind + " (opaque)");
            }
            if (decoded != null) {
                Output.out().println("Header");
                Output.fields(rows(decoded.header(), now), "  ");
                Output.out().println("Claims");
                Output.fields(rows(decoded.claims(), now), "  ");
            }
            if (introspection != null) {
                Output.out().println("Introspection (" + ctx.http().url("/oauth/introspect") + ")");
                Output.fields(rows(introspection, now), "  ");
            }
        }

        private static List<String[]> rows(JsonNode o, long now) {
            List<String[]> rows = new ArrayList<>();
            for (String[] f : Output.fieldsOf(o)) {
                JsonNode v = o.get(f[0]);
                if (TIMES.contains(f[0]) && v.isNumber()) {
                    f[1] = v.asLong() + "  (" + Text.time(v.asLong()) + ", " + Text.relative(v.asLong(), now) + ")";
                }
                rows.add(f);
            }
            return rows;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            header = "Revoke a token (RFC 7009): an access token, a PAT or an API key.",
            description = {
                "Revocation is done as an OAuth client: --client-id (or $FORGE_CLIENT_ID; its secret from "
                    + "$FORGE_CLIENT_SECRET or --client-secret-stdin, none for a public client), else the client "
                    + "of the stored device login. A client may revoke its own access tokens, a client with "
                    + "scope admin any; a PAT or API key by anyone who holds it. The server answers the same for "
                    + "a token it does not know, so 'revoked' means it is no longer valid, whatever it was. "
                    + "TOKEN '-' reads the token from standard input.",
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  forge token revoke \"$TOKEN\" --client-id billing",
                "  forge token revoke - --client-id forge-admin < leaked-token.txt",
            })
    public static class Revoke implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "TOKEN", description = "The token, or - to read it from standard input.")
        String tokenArg;

        @Option(names = "--client-id", paramLabel = "ID", description = "The client to revoke as.")
        String clientId;

        @Mixin
        SecretOptions secret;

        @Override
        public Integer call() {
            Ctx ctx = Commands.ctx(spec);
            String token = tokenArgument(tokenArg);
            String id = clientId != null ? clientId : System.getenv("FORGE_CLIENT_ID");
            String authorization = null;
            Map<String, String> form = new LinkedHashMap<>();
            form.put("token", token);
            if (Jwt.looksLikeJwt(token)) {
                form.put("token_type_hint", "access_token");
            }
            if (id != null && !id.isBlank()) {
                String s = secret.secret();
                if (s != null) {
                    authorization = Http.basic(id, s);
                } else {
                    form.put("client_id", id); // a public client
                }
            } else {
                Profile p = ctx.profile();
                if (p == null || !p.signedIn() || !Profile.DEVICE.equals(p.kind())) {
                    throw CliException.usage("pass --client-id: revocation is done as an OAuth client (set "
                            + Secrets.CLIENT_SECRET_ENV + " for a confidential one)");
                }
                form.put("client_id", p.clientId());
            }
            Http.Response r = ctx.http().postForm("/oauth/revoke", authorization, form);
            if (!r.ok()) {
                throw r.failure();
            }
            ClientTokens.forget(ctx, token);
            if (ctx.json()) {
                Output.json(Json.object().put("revoked", true));
            } else {
                Output.note("Revoked.");
            }
            return 0;
        }
    }
}
