package dev.proctor.sandbox.launcher;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The connections a launcher server keeps for later runs (launcher.h, "keep"), oldest first. A connection is
 * handed out only when the oldest has rested: more than {@code rest} are kept in all, and it was given back at
 * least {@code minRestNanos} ago; then the oldest rested one given back with the taker's key (the id range its
 * last run had: its supervisor made the next pid 1 ahead for that range, launcher.h "ahead"), else the oldest.
 * Its supervisor tears its last run down and prepares the next after its reply; a spec sent before that waits
 * for it, where a new connection would have found an idle supervisor ready. At most {@code max} are kept: one
 * more is closed (its supervisor goes back to accept()). Safe for any number of threads.
 *
 * @param <C> a connection; {@code close} closes one
 */
final class KeptConnections<C> {

    private record Kept<C>(C connection, long since, long key) {}

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

    /**
     * A kept connection, if more than {@code rest} are kept and the oldest has rested long enough: the oldest rested
     * one given back with {@code key}, else the oldest; else null.
     */
    C take(long key) {
        for (int n; (n = count.get()) > rest; ) {
            long now = clock.getAsLong();
            Kept<C> oldest = queue.peek();
            if (oldest == null || now - oldest.since() < minRestNanos) {
                return null;
            }
            Kept<C> match = null;
            for (Kept<C> k : queue) { // oldest first: the rested ones come first
                if (now - k.since() < minRestNanos) {
                    break;
                }
                if (k.key() == key) {
                    match = k;
                    break;
                }
            }
            if (count.compareAndSet(n, n - 1)) {
                if (match != null && queue.remove(match)) {
                    return match.connection();
                }
                Kept<C> taken = queue.poll(); // counted, so there: the oldest, or one kept after it
                return taken == null ? null : taken.connection();
            }
        }
        return null;
    }

    /**
     * A connection its supervisor kept after its run (with {@code key}, see {@link #take}): kept from now, or closed if
     * {@code max} are (or all are closed).
     */
    void giveBack(C connection, long key) {
        if (closed || count.get() >= max) {
            close.accept(connection);
            return;
        }
        queue.offer(new Kept<>(connection, clock.getAsLong(), key));
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
