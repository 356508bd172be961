package dev.proctor.auth;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The callers of recently used API keys (key hash to {@link Caller}, quota included), so that a request need not
 * read its key from PostgreSQL. Correct only together with the invalidations ({@link KeyInvalidations}):
 *
 * <ul>
 *   <li>nothing is served while the invalidation listener is not connected, and every (re)connection empties
 *       the cache: notifications may have been missed meanwhile;
 *   <li>every invalidation moves a generation counter on: a caller read from the database under an older
 *       generation (the read may predate the change) is not stored;
 *   <li>an entry older than the maximum age (counted from before its read) is not served, should an
 *       invalidation be lost without the listener noticing;
 *   <li>only keys that exist are remembered (no entry for an unknown key): a guessed key is always checked in
 *       the database and cannot fill the memory.
 * </ul>
 *
 * Least recently used entries go first once {@code maxEntries} are held. Thread-safe; every operation holds one
 * lock for a few map operations (a scan of at most {@code maxEntries} for an invalidation, which is rare).
 */
public final class KeyCache {

    /** Taken before the database read of a key; the read is stored only if nothing was invalidated since. */
    public record Ticket(long generation, long readAtNanos) {}

    private record Remembered(Caller caller, long readAtNanos) {}

    private final int maxEntries;
    private final long maxAgeNanos;
    private final LongSupplier clock;
    private final LinkedHashMap<ByteBuffer, Remembered> entries;
    private long generation;
    private boolean connected;

    /** {@code clock}: nanoseconds, monotonic ({@code System::nanoTime}). */
    public KeyCache(int maxEntries, long maxAgeNanos, LongSupplier clock) {
        if (maxEntries < 0 || maxAgeNanos < 0) {
            throw new IllegalArgumentException("maxEntries and maxAgeNanos must not be negative");
        }
        this.maxEntries = maxEntries;
        this.maxAgeNanos = maxAgeNanos;
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Remembered> eldest) {
                return size() > KeyCache.this.maxEntries;
            }
        };
    }

    /** The caller of the key with this SHA-256, or null: not held, too old, or the listener is not connected. */
    public synchronized Caller get(byte[] keyHash) {
        if (!connected) {
            return null;
        }
        ByteBuffer k = ByteBuffer.wrap(keyHash);
        Remembered e = entries.get(k);
        if (e == null) {
            return null;
        }
        if (clock.getAsLong() - e.readAtNanos > maxAgeNanos) {
            entries.remove(k);
            return null;
        }
        return e.caller;
    }

    /** To be taken before the database read whose result is then given to {@link #put}. */
    public synchronized Ticket ticket() {
        return new Ticket(generation, clock.getAsLong());
    }

    /**
     * Remembers what the database said of a key, unless anything was invalidated since {@code ticket} was taken
     * or the listener is not connected; returns whether it was stored.
     */
    public synchronized boolean put(byte[] keyHash, Caller caller, Ticket ticket) {
        if (!connected || ticket.generation != generation || maxEntries == 0) {
            return false;
        }
        entries.put(ByteBuffer.wrap(keyHash.clone()), new Remembered(caller, ticket.readAtNanos));
        return true;
    }

    /** A key changed (revoked, deleted, given to another client). */
    public synchronized void dropKey(long keyId) {
        drop(c -> c.keyId() == keyId);
    }

    /** A client changed (name, quota) or was deleted: every key of it. */
    public synchronized void dropClient(long clientId) {
        drop(c -> c.clientId() == clientId);
    }

    /** Anything may have changed. */
    public synchronized void dropAll() {
        generation++;
        entries.clear();
    }

    /** The listener is listening (again): whatever was held may have missed a notification. */
    public synchronized void connected() {
        dropAll();
        connected = true;
    }

    /** The listener lost its connection: nothing is served or stored until it is back. */
    public synchronized void disconnected() {
        connected = false;
        dropAll();
    }

    public synchronized int size() {
        return entries.size();
    }

    private void drop(Predicate<Caller> concerned) {
        generation++;
        for (Iterator<Remembered> it = entries.values().iterator(); it.hasNext(); ) {
            if (concerned.test(it.next().caller)) {
                it.remove();
            }
        }
    }
}
