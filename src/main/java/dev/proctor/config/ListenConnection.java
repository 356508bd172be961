package dev.proctor.config;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A connection of its own to the service's PostgreSQL, outside the pool, in auto-commit, from the standard
 * datasource settings: for a listener that holds it open on {@code LISTEN} (the job queue's, the API keys').
 * Named as the pool's sessions are (the {@value #APPLICATION_NAME} setting): application_name in pg_stat_activity.
 */
public final class ListenConnection {

    /** The setting that names the pool's sessions (application_name), applied here too. */
    static final String APPLICATION_NAME = "quarkus.datasource.jdbc.additional-jdbc-properties.ApplicationName";

    private ListenConnection() {}

    public static Connection open() throws SQLException {
        var cfg = ConfigProvider.getConfig();
        String url = cfg.getValue("quarkus.datasource.jdbc.url", String.class);
        Properties props = new Properties();
        cfg.getOptionalValue("quarkus.datasource.username", String.class).ifPresent(u -> props.setProperty("user", u));
        cfg.getOptionalValue("quarkus.datasource.password", String.class)
                .ifPresent(p -> props.setProperty("password", p));
        cfg.getOptionalValue(APPLICATION_NAME, String.class).ifPresent(n -> props.setProperty("ApplicationName", n));
        Connection c = DriverManager.getConnection(url, props);
        c.setAutoCommit(true);
        return c;
    }
}
