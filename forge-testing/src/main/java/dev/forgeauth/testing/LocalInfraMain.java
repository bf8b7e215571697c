package dev.forgeauth.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Used by {@code deploy/local/up.sh} when nothing answers on the PostgreSQL or Redis port: starts the
 * embedded servers, creates the database, writes their addresses to an env file and stays running.
 *
 * <p>Arguments: state directory, database name.
 */
public final class LocalInfraMain {

    private LocalInfraMain() {
    }

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args.length > 0 ? args[0] : "deploy/local/.state");
        String database = args.length > 1 ? args[1] : "forgeauth";
        Files.createDirectories(state);
        LocalInfra infra = LocalInfra.start(state);
        infra.ensureDatabase(database);
        String env = "FORGE_PG_HOST=" + infra.pgHost + "\n"
                + "FORGE_PG_PORT=" + infra.pgPort + "\n"
                + "FORGE_PG_USER=" + infra.pgUser + "\n"
                + "FORGE_REDIS_HOST=" + infra.redisHost + "\n"
                + "FORGE_REDIS_PORT=" + infra.redisPort + "\n"
                + "FORGE_EMBEDDED_PG=" + infra.embeddedPg + "\n"
                + "FORGE_EMBEDDED_REDIS=" + infra.embeddedRedis + "\n";
        Path tmp = state.resolve("infra.env.tmp");
        Files.writeString(tmp, env);
        Files.move(tmp, state.resolve("infra.env"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("forge local infra ready: postgres " + infra.pgHost + ":" + infra.pgPort
                + (infra.embeddedPg ? " (embedded)" : "") + ", redis " + infra.redisHost + ":" + infra.redisPort
                + (infra.embeddedRedis ? " (embedded)" : ""));
        Thread.currentThread().join();
    }
}
