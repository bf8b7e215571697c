package dev.forgeauth.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import redis.embedded.RedisServer;

/**
 * PostgreSQL and Redis for tests and the local run: the real servers on 127.0.0.1 when they answer,
 * embedded ones otherwise. One instance per JVM; embedded servers stop with the JVM.
 *
 * <p>Where to look is configurable: {@code FORGE_PG_HOST}/{@code FORGE_PG_PORT}/{@code FORGE_PG_USER}/
 * {@code FORGE_PG_PASSWORD} and {@code FORGE_REDIS_HOST}/{@code FORGE_REDIS_PORT}.
 */
public final class LocalInfra {

    private static LocalInfra instance;

    public final String pgHost;
    public final int pgPort;
    public final String pgUser;
    public final String pgPassword;
    public final String redisHost;
    public final int redisPort;
    public final boolean embeddedPg;
    public final boolean embeddedRedis;

    private EmbeddedPostgres postgres;
    private RedisServer redis;

    private LocalInfra(String pgHost, int pgPort, String pgUser, String pgPassword, boolean embeddedPg,
            String redisHost, int redisPort, boolean embeddedRedis) {
        this.pgHost = pgHost;
        this.pgPort = pgPort;
        this.pgUser = pgUser;
        this.pgPassword = pgPassword;
        this.embeddedPg = embeddedPg;
        this.redisHost = redisHost;
        this.redisPort = redisPort;
        this.embeddedRedis = embeddedRedis;
    }

    public static synchronized LocalInfra get() {
        if (instance == null) {
            instance = start(null);
        }
        return instance;
    }

    /** Finds or starts both servers; embedded data lives under {@code dataDir} when given. */
    static LocalInfra start(Path dataDir) {
        String pgHost = env("FORGE_PG_HOST", "127.0.0.1");
        int pgPort = Integer.parseInt(env("FORGE_PG_PORT", "5432"));
        String pgUser = env("FORGE_PG_USER", "postgres");
        String pgPassword = env("FORGE_PG_PASSWORD", "");
        String redisHost = env("FORGE_REDIS_HOST", "127.0.0.1");
        int redisPort = Integer.parseInt(env("FORGE_REDIS_PORT", "6379"));

        EmbeddedPostgres pg = null;
        boolean embeddedPg = false;
        if (!pgAnswers(pgHost, pgPort, pgUser, pgPassword)) {
            try {
                EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setPort(freePort());
                if (dataDir != null) {
                    Path dir = dataDir.resolve("postgres");
                    Files.createDirectories(dir);
                    b.setDataDirectory(dir).setCleanDataDirectory(false);
                }
                pg = b.start();
            } catch (IOException e) {
                throw new IllegalStateException("PostgreSQL does not answer on " + pgHost + ":" + pgPort
                        + " and the embedded one failed to start", e);
            }
            pgHost = "127.0.0.1";
            pgPort = pg.getPort();
            pgUser = "postgres";
            pgPassword = "";
            embeddedPg = true;
        }

        RedisServer rs = null;
        boolean embeddedRedis = false;
        if (!redisAnswers(redisHost, redisPort)) {
            try {
                int port = freePort();
                rs = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                        .setting("save \"\"").setting("appendonly no").build();
                rs.start();
                redisHost = "127.0.0.1";
                redisPort = port;
                embeddedRedis = true;
            } catch (IOException e) {
                throw new IllegalStateException("Redis does not answer on " + redisHost + ":" + redisPort
                        + " and the embedded one failed to start", e);
            }
        }
        LocalInfra infra = new LocalInfra(pgHost, pgPort, pgUser, pgPassword, embeddedPg,
                redisHost, redisPort, embeddedRedis);
        infra.postgres = pg;
        infra.redis = rs;
        Runtime.getRuntime().addShutdownHook(new Thread(infra::stop, "forge-local-infra-stop"));
        return infra;
    }

    /** Creates the database if it does not exist yet. */
    public void ensureDatabase(String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("database name " + name);
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), pgUser, pgPassword);
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            try {
                st.execute("CREATE DATABASE " + name);
            } catch (SQLException e) {
                // another JVM created it in the meantime
                if (!"42P04".equals(e.getSQLState())) {
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
    }

    /** Drops (closing its connections) and creates the database: for tests that start processes on it. */
    public void recreateDatabase(String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("database name " + name);
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), pgUser, pgPassword);
                Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot recreate database " + name, e);
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + pgHost + ":" + pgPort + "/" + database;
    }

    public String reactiveUrl(String database) {
        return "postgresql://" + pgHost + ":" + pgPort + "/" + database;
    }

    public String redisUrl() {
        return "redis://" + redisHost + ":" + redisPort;
    }

    public synchronized void stop() {
        try {
            if (redis != null) {
                redis.stop();
                redis = null;
            }
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
        try {
            if (postgres != null) {
                postgres.close();
                postgres = null;
            }
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }

    static boolean pgAnswers(String host, int port, String user, String password) {
        if (!tcpOpen(host, port)) {
            return false;
        }
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://" + host + ":" + port + "/postgres?connectTimeout=3", user, password)) {
            return c.isValid(3);
        } catch (SQLException e) {
            return false;
        }
    }

    static boolean redisAnswers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    static boolean tcpOpen(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket ss = new ServerSocket(0)) {
            ss.setReuseAddress(true);
            return ss.getLocalPort();
        }
    }

    private static String env(String name, String def) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            v = System.getProperty(name);
        }
        return v == null || v.isBlank() ? def : v;
    }
}
