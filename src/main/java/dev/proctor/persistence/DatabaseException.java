package dev.proctor.persistence;

import java.sql.SQLException;

/** A statement of {@link Jdbc} failed; the driver's exception is the cause ({@link DatabaseFaults} reads it). */
public final class DatabaseException extends RuntimeException {

    public DatabaseException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
