package dev.forgeauth.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.cli.support.CliException;
import dev.forgeauth.cli.support.Ctx;
import dev.forgeauth.cli.support.Http;
import dev.forgeauth.cli.support.Json;
import dev.forgeauth.cli.support.Logins;
import dev.forgeauth.cli.support.Output;
import dev.forgeauth.cli.support.Secrets;
import dev.forgeauth.cli.support.Text;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "api", mixinStandardHelpOptions = true,
        header = "Call an API through the gateway with your stored login (as 'gh api' does).",
        description = {
            "Sends METHOD PATH to the server (the gateway) with 'Authorization: Bearer' and the stored login's "
                + "access token (refreshed when needed), or $FORGE_TOKEN when set (a PAT, an API key or any access "
                + "token). METHOD defaults to GET, or POST with --data. The answer's body goes to stdout (JSON "
                + "pretty-printed unless --raw); a non-2xx status also prints one line on stderr and exits with 1 "
                + "(3 for 401).",
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  forge api /api/v1/deployments",
            "  forge api POST /api/v1/deployments --data '{\"name\":\"web\",\"replicas\":3}'",
            "  forge api PUT /api/v1/deployments/web --data @deployment.json",
            "  echo '{\"replicas\":5}' | forge api PATCH /api/v1/deployments/web --data @-",
            "  FORGE_TOKEN=$PAT forge api /api/v1/deployments -i",
            "  forge api /.well-known/openid-configuration --no-auth",
        })
public class ApiCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..2", paramLabel = "[METHOD] PATH",
            description = "An HTTP method (optional) and a path on the server, starting with /.")
    List<String> args;

    @Option(names = {"-d", "--data"}, paramLabel = "DATA",
            description = "The request body: text, @FILE, or @- for standard input. Sent as application/json when "
                    + "it is JSON.")
    String data;

    @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'", description = "An extra request header (repeatable).")
    List<String> headers;

    @Option(names = {"-i", "--include"}, description = "Print the status line and response headers first.")
    boolean include;

    @Option(names = "--raw", description = "Print the body as it came (no JSON pretty-printing).")
    boolean raw;

    @Option(names = "--no-auth", description = "Send no credentials.")
    boolean noAuth;

    @Override
    public Integer call() {
        Ctx ctx = Commands.ctx(spec);
        String method;
        String path;
        if (args.size() == 2) {
            method = args.get(0).toUpperCase(Locale.ROOT);
            path = args.get(1);
        } else {
            method = data != null ? "POST" : "GET";
            path = args.get(0);
        }
        if (!method.matches("[A-Z]{1,20}")) {
            throw CliException.usage("not an HTTP method: " + Text.oneLine(args.get(0)));
        }
        if (!path.startsWith("/") || path.startsWith("//")) {
            throw CliException.usage("PATH must start with / (a path on " + ctx.server() + "), got '" + Text.oneLine(path) + "'");
        }
        Map<String, String> h = new LinkedHashMap<>();
        if (headers != null) {
            for (String line : headers) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw CliException.usage("--header must look like 'Name: value', got '" + Text.oneLine(line) + "'");
                }
                h.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        String body = data == null ? null : body(data);
        if (body != null && h.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Content-Type"))) {
            h.put("Content-Type", Json.parse(body) != null ? "application/json" : "text/plain; charset=utf-8");
        }
        if (!noAuth && h.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Authorization"))) {
            h.put("Authorization", Http.bearer(Logins.bearer(ctx)));
        }
        Http.Response r = ctx.http().send(method, path, h, body);
        if (include) {
            Output.out().println("HTTP/1.1 " + r.status());
            r.headers().map().forEach((k, vs) -> vs.forEach(v -> Output.out().println(Text.clean(k + ": " + v))));
            Output.out().println();
        }
        JsonNode json = raw ? null : r.json();
        if (json != null) {
            Output.json(json);
        } else if (!r.body().isEmpty()) {
            // a pipe or a file gets the body as it came (like curl and gh api); a terminal gets it without
            // the control characters that could drive it
            String text = System.console() != null ? Text.safe(r.body()) : r.body();
            Output.out().print(text);
            if (!text.endsWith("\n")) {
                Output.out().println();
            }
        }
        Output.out().flush();
        if (!r.ok()) {
            throw r.failure();
        }
        return 0;
    }

    private static String body(String data) {
        if (data.equals("@-")) {
            return Secrets.stdinData("--data @-");
        }
        if (data.startsWith("@")) {
            try {
                return Files.readString(Path.of(data.substring(1)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw CliException.usage("cannot read " + data.substring(1) + ": " + Text.oneLine(e.getMessage()));
            }
        }
        return data;
    }
}
