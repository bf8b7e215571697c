package dev.forgeauth.core.error;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tells an outage of PostgreSQL or Redis (refused or lost connections, timeouts, a pool that cannot
 * connect, a server that is shutting down, starting, read-only or out of memory) from a bug: an outage is
 * answered 503 {@code temporarily_unavailable} with {@code Retry-After}, a bug stays a 500.
 *
 * <p>The failures reach the exception mapper wrapped in whatever the layers above added (Mutiny's
 * {@code CompositeException}, {@code CompletionException}, Vert.x or Quarkus wrappers), so the whole cause
 * chain is searched. Classes are recognised by name so that this module needs neither the PostgreSQL nor
 * the Redis client on its class path (the gateway has no PostgreSQL client); no reflection is used.
 *
 * @see <a href="https://www.postgresql.org/docs/current/errcodes-appendix.html">PostgreSQL error codes</a>
 */
public final class DependencyFailures {

    /** Connection-level failures, whatever the client that met them. */
    private static final Set<String> OUTAGE_TYPES = Set.of(
            "io.vertx.sqlclient.ClosedConnectionException",
            "io.vertx.redis.client.impl.RedisConnectException",
            "io.vertx.core.impl.NoStackTraceTimeoutException",
            "io.netty.channel.ConnectTimeoutException",
            "io.netty.channel.StacklessClosedChannelException",
            "io.netty.handler.timeout.ReadTimeoutException",
            "io.netty.handler.timeout.WriteTimeoutException",
            "io.smallrye.mutiny.TimeoutException",
            "io.agroal.api.exceptions.AgroalException");

    /** Redis error replies that mean "not now" rather than "wrong command". */
    private static final Set<String> REDIS_UNAVAILABLE = Set.of("LOADING", "READONLY", "MASTERDOWN", "OOM", "BUSY",
            "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS", "MISCONF");

    /** Messages of the generic exceptions the Vert.x clients raise when a connection is lost or a pool is closed. */
    private static final String[] LOST_CONNECTION = {"connection closed", "connection was closed",
        "connection is closed", "connection reset", "connection refused", "pending requests closed", "pool closed",
        "client is closed", "timeout", "timed out"};

    private DependencyFailures() {
    }

    /** True when {@code e}, or anything it wraps, says that PostgreSQL or Redis cannot be reached right now. */
    public static boolean isOutage(Throwable e) {
        return find(e, new IdentityHashMap<>(), 0);
    }

    private static boolean find(Throwable e, Map<Throwable, Boolean> seen, int depth) {
        for (Throwable t = e; t != null && depth < 32; t = t.getCause(), depth++) {
            if (seen.put(t, Boolean.TRUE) != null) {
                return false;
            }
            if (isOutageItself(t)) {
                return true;
            }
            if (t instanceof io.smallrye.mutiny.CompositeException c) {
                for (Throwable inner : c.getCauses()) {
                    if (find(inner, seen, depth + 1)) {
                        return true;
                    }
                }
            }
            for (Throwable s : t.getSuppressed()) {
                if (find(s, seen, depth + 1)) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean isOutageItself(Throwable t) {
        if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
                || t instanceof java.net.UnknownHostException || t instanceof java.net.SocketTimeoutException
                || t instanceof java.nio.channels.ClosedChannelException
                || t instanceof java.util.concurrent.TimeoutException) {
            return true;
        }
        if (t instanceof java.sql.SQLException sql) {
            return unavailableSqlState(sql.getSQLState());
        }
        for (Class<?> c = t.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            String name = c.getName();
            if (OUTAGE_TYPES.contains(name)) {
                return true;
            }
            if (name.equals("io.vertx.sqlclient.DatabaseException")) {
                return unavailableSqlState(sqlState(t.getMessage()));
            }
            if (name.equals("io.vertx.redis.client.impl.types.ErrorType")) {
                return redisUnavailable(t.getMessage());
            }
        }
        if (t instanceof java.io.IOException || isVertxException(t)) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(java.util.Locale.ROOT);
            for (String s : LOST_CONNECTION) {
                if (m.contains(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isVertxException(Throwable t) {
        for (Class<?> c = t.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            if (c.getName().equals("io.vertx.core.VertxException")
                    || c.getName().equals("io.vertx.core.impl.NoStackTraceThrowable")) {
                return true;
            }
        }
        return false;
    }

    /**
     * SQLSTATE classes of a database that is unreachable or cannot serve now: 08 connection exception, 53
     * insufficient resources, 57 operator intervention (shutdown, cannot connect now, statement timeout),
     * 58 system error, and 25006 (read-only transaction: a failover in progress).
     */
    static boolean unavailableSqlState(String state) {
        if (state == null || state.length() != 5) {
            return false;
        }
        String cls = state.substring(0, 2);
        return cls.equals("08") || cls.equals("53") || cls.equals("57") || cls.equals("58") || state.equals("25006");
    }

    /** The SQLSTATE at the end of a Vert.x PostgreSQL message: {@code "FATAL: the database system is starting up (57P03)"}. */
    static String sqlState(String message) {
        if (message == null || message.length() < 7 || !message.endsWith(")")) {
            return null;
        }
        int open = message.lastIndexOf('(');
        return open < 0 ? null : message.substring(open + 1, message.length() - 1);
    }

    static boolean redisUnavailable(String message) {
        if (message == null) {
            return false;
        }
        int space = message.indexOf(' ');
        return REDIS_UNAVAILABLE.contains(space < 0 ? message : message.substring(0, space));
    }
}
