package dev.proctor.sandbox.launcher;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The connections a launcher server keeps for later runs (launcher.h, "keep"), oldest first. The oldest is
 * handed out only when it has rested: more than {@code rest} are kept in all, and it was given back at least
 * {@code minRestNanos} ago. Its supervisor tears its last run down and prepares the next after its reply; a
 * spec sent before that waits for it, where a new connection would have found an idle supervisor ready. At
 * most {@code max} are kept: one more is closed (its supervisor goes back to accept()). Safe for any number
 * of threads.
 *
 * @param <C> a connection; {@code close} closes one
 */
final class KeptConnections<C> {

    private record Kept<C>(C connection, long since) {}

    private final int rest;
    private final long minRestNanos;
    private final int max;
    private final Consumer<C> close;
    private final LongSupplier clock;
    private final ConcurrentLinkedQueue<Kept<C>> queue = new ConcurrentLinkedQueue<>();
    /** Entries a taker may count on: raised after the offer, lowered before the poll. */
    private final AtomicInteger count = new AtomicInteger();

    private volatile boolean closed;

    KeptConnections(int rest, long minRestNanos, int max, Consumer<C> close, LongSupplier clock) {
        if (rest < 0 || max <= rest || minRestNanos < 0) {
            throw new IllegalArgumentException("rest " + rest + ", max " + max + ", min rest " + minRestNanos);
        }
        this.rest = rest;
        this.minRestNanos = minRestNanos;
        this.max = max;
        this.close = close;
        this.clock = clock;
    }

    /** The oldest kept connection, if more than {@code rest} are kept and it has rested long enough; else null. */
    C take() {
        for (int n; (n = count.get()) > rest; ) {
            Kept<C> oldest = queue.peek();
            if (oldest == null || clock.getAsLong() - oldest.since() < minRestNanos) {
                return null;
            }
            if (count.compareAndSet(n, n - 1)) {
                Kept<C> taken = queue.poll(); // counted, so there: the oldest, or one kept after it
                return taken == null ? null : taken.connection();
            }
        }
        return null;
    }

    /** A connection its supervisor kept after its run: kept from now, or closed if {@code max} are (or all are closed). */
    void giveBack(C connection) {
        if (closed || count.get() >= max) {
            close.accept(connection);
            return;
        }
        queue.offer(new Kept<>(connection, clock.getAsLong()));
        count.incrementAndGet();
        if (closed) { // closed meanwhile: closeAll may have emptied the queue before the offer
            closeAll();
        }
    }

    /** Closes every kept connection, and every one given back from now on. */
    void closeAll() {
        closed = true;
        for (Kept<C> k; (k = queue.poll()) != null; ) {
            count.decrementAndGet();
            close.accept(k.connection());
        }
    }

    /** How many are kept now. */
    int size() {
        return queue.size();
    }
}
