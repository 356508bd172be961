package dev.proctor.persistence;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Tells the two kinds of database failure apart: PostgreSQL <em>unreachable</em> (down, restarting,
 * connection lost: the same statement may succeed later, so it waits) from PostgreSQL <em>rejecting</em>
 * the statement (a data or constraint error: it will fail the same way every time).
 */
public final class DatabaseFaults {

    /** Seconds a client is asked to wait (Retry-After) while the database is unreachable. */
    public static final int RETRY_AFTER_SECONDS = 5;

    private static final int MAX_DEPTH = 32;

    private DatabaseFaults() {}

    /** Whether {@code e}, or anything it wraps, says the database could not be reached (or not now). */
    public static boolean unreachable(Throwable e) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = e; t != null && seen.size() < MAX_DEPTH && seen.put(t, true) == null; t = t.getCause()) {
            if (t instanceof SQLException s && transientState(s.getSQLState())) {
                return true;
            }
            if (t instanceof SQLException s
                    && s.getSQLState() == null
                    && s.getMessage() != null
                    && s.getMessage().contains("Acquisition timeout")) {
                // Agroal: no connection could be had from the pool in time (none could be opened)
                return true;
            }
            if (t instanceof ConnectException
                    || t instanceof SocketException
                    || t instanceof EOFException
                    || t instanceof SocketTimeoutException) {
                return true;
            }
            if (t.getClass().getName().equals("org.hibernate.exception.JDBCConnectionException")) {
                return true;
            }
        }
        return false;
    }

    /**
     * SQLSTATEs that say "not now": connection exceptions (08), the server shutting down or starting
     * (57P01-57P03), too many connections (53300), serialization failure and deadlock (40001, 40P01).
     */
    static boolean transientState(String state) {
        if (state == null) {
            return false;
        }
        return state.startsWith("08")
                || state.equals("57P01")
                || state.equals("57P02")
                || state.equals("57P03")
                || state.equals("53300")
                || state.equals("40001")
                || state.equals("40P01");
    }

    /**
     * The database's own words for why a statement failed ("ERROR: … [SQLSTATE 23514]"), without the
     * statement, its parameters or Java class names; else the innermost message.
     */
    public static String reason(Throwable e) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        String innermost = null;
        for (Throwable t = e; t != null && seen.size() < MAX_DEPTH && seen.put(t, true) == null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                return firstLine(s.getMessage()) + " [SQLSTATE " + s.getSQLState() + "]";
            }
            if (t.getMessage() != null) {
                innermost = t.getMessage();
            }
        }
        return innermost == null ? "unknown database error" : firstLine(innermost);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 500 ? line.substring(0, 500) + "…" : line;
    }
}
