package dev.proctor.jobs.queue;

import dev.proctor.config.ListenConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * LISTENs on a dedicated connection (not from the pool: it is held for the node's life) for
 * proctor_jobs, proctor_cancel and proctor_done; on every wait timeout it calls {@code onWork}, the
 * safety poll. Reconnects after a failure.
 */
final class QueueListener implements Runnable {

    private static final Logger LOG = Logger.getLogger(QueueListener.class);

    private final Runnable onWork;
    private final Predicate<UUID> onQueued;
    private final Consumer<UUID> onCancel;
    private final Consumer<UUID> onDone;
    private final Runnable onListening;
    private final Runnable onDeaf;
    private final long pollMillis;
    private volatile boolean stopping;
    private volatile Connection connection;

    /**
     * {@code onQueued}: whether a job queued (by any node) is news to this node's claims; {@code onWork} runs when
     * one is, and at every safety poll. {@code onListening} runs once the channels are listened to on a new
     * connection, {@code onDeaf} once that connection is lost or closed (notifications sent meanwhile are lost).
     */
    QueueListener(
            Runnable onWork,
            Predicate<UUID> onQueued,
            Consumer<UUID> onCancel,
            Consumer<UUID> onDone,
            Runnable onListening,
            Runnable onDeaf,
            long pollMillis) {
        this.onWork = onWork;
        this.onQueued = onQueued;
        this.onCancel = onCancel;
        this.onDone = onDone;
        this.onListening = onListening;
        this.onDeaf = onDeaf;
        this.pollMillis = pollMillis;
    }

    void stop() {
        stopping = true;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing to wake the loop
            }
        }
    }

    @Override
    public void run() {
        try {
            listen();
        } finally {
            onDeaf.run();
        }
    }

    private void listen() {
        while (!stopping) {
            try (Connection c = ListenConnection.open()) {
                connection = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN proctor_jobs; LISTEN proctor_cancel; LISTEN proctor_done");
                }
                onListening.run();
                onWork.run();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!stopping) {
                    PGNotification[] ns = pg.getNotifications((int) pollMillis);
                    if (ns == null || ns.length == 0) {
                        onWork.run();
                        continue;
                    }
                    boolean work = false;
                    for (PGNotification n : ns) {
                        switch (n.getName()) {
                            case "proctor_jobs" -> work |= onQueued.test(UUID.fromString(n.getParameter()));
                            case "proctor_cancel" -> onCancel.accept(UUID.fromString(n.getParameter()));
                            // a job's end frees no slot of this node: its own runners wake its claims
                            case "proctor_done" -> onDone.accept(UUID.fromString(n.getParameter()));
                            default -> {}
                        }
                    }
                    if (work) {
                        onWork.run();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                onDeaf.run();
                if (stopping) {
                    return;
                }
                LOG.warnf("queue listener lost its connection (%s); reconnecting in 1 s", e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
