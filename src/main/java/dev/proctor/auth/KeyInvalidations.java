package dev.proctor.auth;

import dev.proctor.config.ListenConnection;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * LISTENs on proctor_auth (announced by the triggers of V37 on every change of api_keys and clients) on a
 * connection of its own, held for the node's life, and drops the {@link KeyCache} entries each notification
 * concerns. The cache serves nothing unless this listener is connected; when idle it checks its connection every
 * second, and a lost connection turns the cache off until it is back (and emptied).
 */
@ApplicationScoped
public class KeyInvalidations {

    static final String CHANNEL = "proctor_auth";
    private static final Logger LOG = Logger.getLogger(KeyInvalidations.class);
    private static final int CHECK_MILLIS = 1000;
    private static final int VALID_TIMEOUT_SECONDS = 2;

    @Inject
    KeyCache cache;

    private volatile boolean stopping;
    private volatile Connection connection;
    private Thread thread;

    @Produces
    @Singleton
    static KeyCache keyCache(AuthConfig config) {
        return new KeyCache(config.cacheEntries(), config.cacheMaxAge().toNanos(), System::nanoTime);
    }

    void start(@Observes StartupEvent event) {
        thread = new Thread(this::listen, "proctor-auth-listener");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing to wake the loop
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Applies one notification's payload to {@code cache}; an unknown payload empties it (safe, if slower). */
    static void apply(KeyCache cache, String payload) {
        String p = payload == null ? "" : payload;
        try {
            if (p.startsWith("key ")) {
                cache.dropKey(Long.parseLong(p.substring(4)));
                return;
            }
            if (p.startsWith("client ")) {
                cache.dropClient(Long.parseLong(p.substring(7)));
                return;
            }
        } catch (NumberFormatException e) {
            // falls through to dropping everything
        }
        cache.dropAll();
    }

    private void listen() {
        while (!stopping) {
            try (Connection c = ListenConnection.open()) {
                connection = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                // listening from here on: whatever changed before may have been missed
                cache.connected();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!stopping) {
                    PGNotification[] ns = pg.getNotifications(CHECK_MILLIS);
                    if (ns == null || ns.length == 0) {
                        // a connection dropped without a word (no FIN) would otherwise go unnoticed
                        if (!c.isValid(VALID_TIMEOUT_SECONDS)) {
                            throw new SQLException("the connection is no longer valid", "08006");
                        }
                        continue;
                    }
                    for (PGNotification n : ns) {
                        if (CHANNEL.equals(n.getName())) {
                            apply(cache, n.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                cache.disconnected();
                if (stopping) {
                    return;
                }
                LOG.warnf(
                        "API key listener lost its connection (%s); keys are read from the database until it is"
                                + " back; reconnecting in 1 s",
                        e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                connection = null;
            }
        }
        cache.disconnected();
    }
}
