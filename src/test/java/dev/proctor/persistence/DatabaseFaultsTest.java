package dev.proctor.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.persistence.PersistenceException;
import java.net.ConnectException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DatabaseFaultsTest {

    @Test
    void connectionFailuresAndShutdownsAreUnreachable() {
        assertTrue(DatabaseFaults.unreachable(new SQLException("Connection refused", "08001")));
        assertTrue(DatabaseFaults.unreachable(new SQLException("I/O error", "08006")));
        assertTrue(DatabaseFaults.unreachable(new SQLException("terminating connection", "57P01")));
        assertTrue(DatabaseFaults.unreachable(new SQLException("the database system is starting up", "57P03")));
        assertTrue(
                DatabaseFaults.unreachable(new SQLException("Acquisition timeout while waiting for new connection")));
        assertTrue(DatabaseFaults.unreachable(new RuntimeException(new ConnectException("Connection refused"))));
    }

    @Test
    void theCauseIsFoundBelowWrappers() {
        RuntimeException wrapped = new IllegalStateException(
                "transaction failed",
                new PersistenceException("could not execute statement", new SQLException("gone", "08003")));
        assertTrue(DatabaseFaults.unreachable(wrapped));
    }

    @Test
    void dataAndConstraintErrorsAreRejectionsNotOutages() {
        SQLException check = new SQLException("ERROR: result refused\n  Where: PL/pgSQL function", "23514");
        assertFalse(DatabaseFaults.unreachable(new PersistenceException("could not execute statement", check)));
        assertFalse(DatabaseFaults.unreachable(new SQLException("unsupported Unicode escape sequence", "22P05")));
        assertFalse(DatabaseFaults.unreachable(new IllegalStateException("result does not serialise")));
        assertEquals(
                "ERROR: result refused [SQLSTATE 23514]",
                DatabaseFaults.reason(new PersistenceException("could not execute statement [SQL …]", check)));
        assertEquals(
                "result does not serialise",
                DatabaseFaults.reason(new IllegalStateException("result does not serialise")));
    }

    @Test
    void aCycleOfCausesEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertFalse(DatabaseFaults.unreachable(a));
    }
}
