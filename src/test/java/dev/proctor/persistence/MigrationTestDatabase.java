package dev.proctor.persistence;

import dev.proctor.bench.ThrowawayPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * A migration test's database: a throwaway PostgreSQL for the test class, migrated by the test to the version it
 * starts from ({@link #flyway}), filled, then migrated on; single-value and single-column reads for its checks.
 */
abstract class MigrationTestDatabase {

    private static ThrowawayPostgres postgres;
    static Connection db;
    private static String url;
    private static String user;
    private static String password;

    @BeforeAll
    static void startDatabase() throws SQLException {
        postgres = new ThrowawayPostgres();
        Map<String, String> ds = postgres.start();
        url = ds.get("quarkus.datasource.jdbc.url");
        user = ds.get("quarkus.datasource.username");
        password = ds.get("quarkus.datasource.password");
        db = DriverManager.getConnection(url, user, password);
    }

    @AfterAll
    static void stopDatabase() throws SQLException {
        if (db != null) {
            db.close();
            db = null;
        }
        if (postgres != null) {
            postgres.stop();
            postgres = null;
        }
    }

    /** Flyway with the project's migrations, up to {@code target}. */
    static Flyway flyway(String target) {
        return Flyway.configure()
                .dataSource(url, user, password)
                .locations("filesystem:migrations")
                .target(MigrationVersion.fromVersion(target))
                .load();
    }

    /** The first column of the first row of {@code sql}, as a number. */
    static long number(String sql) throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    /** The first column of every row of {@code sql}. */
    static List<String> strings(String sql) throws SQLException {
        List<String> all = new ArrayList<>();
        try (Statement s = db.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                all.add(r.getString(1));
            }
        }
        return all;
    }
}
