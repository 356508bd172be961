package dev.proctor.config;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A connection of its own to the service's PostgreSQL, outside the pool, in auto-commit, from the standard
 * datasource settings: for a listener that holds it open on {@code LISTEN} (the job queue's, the API keys').
 */
public final class ListenConnection {

    private ListenConnection() {}

    public static Connection open() throws SQLException {
        var cfg = ConfigProvider.getConfig();
        String url = cfg.getValue("quarkus.datasource.jdbc.url", String.class);
        String user = cfg.getOptionalValue("quarkus.datasource.username", String.class)
                .orElse(null);
        String password = cfg.getOptionalValue("quarkus.datasource.password", String.class)
                .orElse(null);
        Connection c = DriverManager.getConnection(url, user, password);
        c.setAutoCommit(true);
        return c;
    }
}
