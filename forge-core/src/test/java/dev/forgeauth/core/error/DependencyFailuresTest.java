package dev.forgeauth.core.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.CompositeException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Outage or bug: the classification behind 503 {@code temporarily_unavailable} versus 500. */
class DependencyFailuresTest {

    @Test
    void aRefusedConnectionIsAnOutageHoweverDeeplyWrapped() {
        Throwable wrapped = new CompletionException(new CompositeException(new IllegalStateException("first"),
                new RuntimeException("wrapper", new ConnectException("Connection refused: /127.0.0.1:5432"))));
        assertTrue(DependencyFailures.isOutage(wrapped));
    }

    @Test
    void aBugIsNotAnOutage() {
        assertFalse(DependencyFailures.isOutage(new IllegalStateException("boom", new NullPointerException())));
        assertFalse(DependencyFailures.isOutage(new SQLException("duplicate key", "23505")));
    }

    @Test
    void sqlStatesOfAnUnavailableDatabaseAreOutages() {
        assertTrue(DependencyFailures.isOutage(new SQLException("connection failure", "08006")));
        assertTrue(DependencyFailures.isOutage(new SQLException("shutting down", "57P01")));
        assertTrue(DependencyFailures.isOutage(new SQLException("too many connections", "53300")));
        assertTrue(DependencyFailures.unavailableSqlState("25006"));
        assertFalse(DependencyFailures.unavailableSqlState("42P01"));
        assertFalse(DependencyFailures.unavailableSqlState(null));
    }

    @Test
    void theSqlStateIsReadFromAVertxPostgresMessage() {
        assertEquals("57P03", DependencyFailures.sqlState("FATAL: the database system is starting up (57P03)"));
        assertNull(DependencyFailures.sqlState("no state here"));
    }

    @Test
    void redisRepliesThatMeanNotNowAreOutages() {
        assertTrue(DependencyFailures.redisUnavailable("LOADING Redis is loading the dataset in memory"));
        assertTrue(DependencyFailures.redisUnavailable("OOM command not allowed when used memory > 'maxmemory'."));
        assertFalse(DependencyFailures.redisUnavailable("WRONGTYPE Operation against a key holding the wrong kind"));
    }

    @Test
    void aSelfReferencingChainEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertFalse(DependencyFailures.isOutage(a));
    }
}
