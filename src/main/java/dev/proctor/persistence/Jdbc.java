package dev.proctor.persistence;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Plain JDBC on the service's connection pool, for the statements on the path of every job (claim,
 * finish, authenticate, submit, read): one round trip each where it can be, without an ORM session or a
 * JTA transaction around it. Outside a JTA transaction a pooled connection is in auto-commit, so a single
 * statement is its own transaction; inside one (a caller's {@code QuarkusTransaction}) the statements join
 * it. A failure is a {@link DatabaseException} wrapping the driver's, so {@link DatabaseFaults} still tells
 * an unreachable database from a rejected statement.
 */
@ApplicationScoped
public class Jdbc {

    /** Work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    @Inject
    AgroalDataSource db;

    /** Runs {@code work} on a pooled connection: each statement commits on its own (auto-commit). */
    public <T> T call(Work<T> work) {
        try (Connection c = db.getConnection()) {
            return work.on(c);
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    /**
     * Runs {@code work} as one transaction: committed when it returns, rolled back when it throws. Inside a
     * caller's JTA transaction it is part of that one instead.
     */
    public <T> T transaction(Work<T> work) {
        try (Connection c = db.getConnection()) {
            if (!c.getAutoCommit()) {
                return work.on(c);
            }
            c.setAutoCommit(false);
            try {
                T result = work.on(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
