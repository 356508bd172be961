package dev.proctor.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Generated interleavings of what happens around a node's key cache: requests looking keys up, database reads
 * started before and finished after other events, revocations and quota changes (committed elsewhere, announced
 * by a notification that arrives later, or made on this node and dropped at once after the commit), the
 * listener losing and regaining its connection (notifications sent meanwhile are lost), and time passing. The
 * database is modelled with its whole history, so a cache hit can be checked against what the node is entitled
 * to serve: never anything older than the last invalidation it saw for that key, never while the listener is
 * away, never past the maximum age; and a read begun before an invalidation is never stored after it.
 */
class KeyCachePropertiesTest {

    private static final int KEYS = 4;
    private static final int CLIENTS = 2;
    private static final int MAX_ENTRIES = 3;
    private static final long MAX_AGE = 5_000;

    enum Kind {
        LOOKUP,
        BEGIN_READ,
        READ,
        FINISH_READ,
        REVOKE_ELSEWHERE,
        RESTORE_ELSEWHERE,
        QUOTA_ELSEWHERE,
        REVOKE_HERE,
        DELIVER,
        DISCONNECT,
        RECONNECT,
        TICK
    }

    record Op(Kind kind, int arg) {}

    /** The database: every state it went through, one per committed change. */
    private static final class Db {
        final List<Caller[]> history = new ArrayList<>();
        final boolean[] revoked = new boolean[KEYS];
        final int[] quota = new int[CLIENTS];

        Db() {
            history.add(state());
        }

        static long keyId(int k) {
            return 100 + k;
        }

        static int clientOf(int k) {
            return k % CLIENTS;
        }

        Caller[] state() {
            Caller[] s = new Caller[KEYS];
            for (int k = 0; k < KEYS; k++) {
                int c = clientOf(k);
                s[k] = revoked[k]
                        ? null
                        : new Caller(
                                10 + c,
                                "client-" + c,
                                k == 0,
                                keyId(k),
                                new Quota(1 + quota[c], null, null, null, null, null, null));
            }
            return s;
        }

        int commit() {
            history.add(state());
            return history.size() - 1;
        }

        int version() {
            return history.size() - 1;
        }

        Caller now(int k) {
            return history.get(version())[k];
        }
    }

    private record Notification(String payload, int version, int[] keys) {}

    private static final class Read {
        final int key;
        final KeyCache.Ticket ticket;
        final long invalidationsBefore;
        boolean done;
        Caller value;

        Read(int key, KeyCache.Ticket ticket, long invalidationsBefore) {
            this.key = key;
            this.ticket = ticket;
            this.invalidationsBefore = invalidationsBefore;
        }
    }

    static byte[] hash(int k) {
        return ApiKeys.sha256("pk_model_" + k);
    }

    @Property(tries = 2000)
    void aCacheHitIsNeverOlderThanWhatTheNodeSawNorOlderThanTheMaximumAge(@ForAll("ops") List<Op> ops) {
        long[] clock = {0};
        KeyCache cache = new KeyCache(MAX_ENTRIES, MAX_AGE, () -> clock[0]);
        Db db = new Db();
        Deque<Notification> inFlight = new ArrayDeque<>();
        List<Read> reads = new ArrayList<>();
        int[] seen = new int[KEYS];
        long[] storedReadAt = new long[KEYS];
        long invalidations = 0;
        boolean connected = false;
        for (Op op : ops) {
            int k = Math.floorMod(op.arg, KEYS);
            switch (op.kind) {
                case LOOKUP -> {
                    Caller hit = cache.get(hash(k));
                    if (hit != null) {
                        assertTrue(connected, "served while the listener was away");
                        assertTrue(clock[0] - storedReadAt[k] <= MAX_AGE, "served past the maximum age");
                        boolean allowed = false;
                        for (int v = seen[k]; v <= db.version(); v++) {
                            allowed |= hit.equals(db.history.get(v)[k]);
                        }
                        assertTrue(allowed, "key " + k + " served as " + hit + ", older than version " + seen[k]);
                    }
                }
                case BEGIN_READ -> reads.add(new Read(k, cache.ticket(), invalidations));
                case READ, FINISH_READ -> {
                    if (reads.isEmpty()) {
                        continue;
                    }
                    int i = Math.floorMod(op.arg, reads.size());
                    Read r = reads.get(i);
                    if (!r.done) {
                        r.value = db.now(r.key);
                        r.done = true;
                    }
                    if (op.kind == Kind.FINISH_READ) {
                        reads.remove(i);
                        if (r.value != null) {
                            boolean stored = cache.put(hash(r.key), r.value, r.ticket);
                            if (r.invalidationsBefore != invalidations) {
                                assertFalse(stored, "a read begun before an invalidation was stored after it");
                            }
                            if (stored) {
                                storedReadAt[r.key] = r.ticket.readAtNanos();
                            }
                        }
                    }
                }
                case REVOKE_ELSEWHERE, RESTORE_ELSEWHERE, REVOKE_HERE -> {
                    boolean revoke = op.kind != Kind.RESTORE_ELSEWHERE;
                    if (db.revoked[k] == revoke) {
                        continue; // the trigger announces only updates that change the row
                    }
                    db.revoked[k] = revoke;
                    int v = db.commit();
                    if (connected) {
                        inFlight.add(new Notification("key " + Db.keyId(k), v, new int[] {k}));
                    }
                    if (op.kind == Kind.REVOKE_HERE) {
                        cache.dropKey(Db.keyId(k)); // after the commit, as ApiKeys.revoke does
                        seen[k] = v;
                        invalidations++;
                    }
                }
                case QUOTA_ELSEWHERE -> {
                    int c = Math.floorMod(op.arg, CLIENTS);
                    db.quota[c]++;
                    int v = db.commit();
                    if (connected) {
                        int[] keys = java.util.stream.IntStream.range(0, KEYS)
                                .filter(x -> Db.clientOf(x) == c)
                                .toArray();
                        inFlight.add(new Notification("client " + (10 + c), v, keys));
                    }
                }
                case DELIVER -> {
                    Notification n = inFlight.poll();
                    if (n != null) {
                        KeyInvalidations.apply(cache, n.payload);
                        for (int x : n.keys) {
                            seen[x] = Math.max(seen[x], n.version);
                        }
                        invalidations++;
                    }
                }
                case DISCONNECT -> {
                    cache.disconnected();
                    connected = false;
                    inFlight.clear(); // lost with the connection
                    invalidations++;
                }
                case RECONNECT -> {
                    cache.connected();
                    connected = true;
                    inFlight.clear();
                    Arrays.fill(seen, db.version());
                    invalidations++;
                }
                case TICK -> clock[0] += Math.floorMod(op.arg, 2 * MAX_AGE);
            }
            assertTrue(cache.size() <= MAX_ENTRIES, "the cache holds at most " + MAX_ENTRIES);
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(
                        Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 1000))
                .as(Op::new);
        // mostly connected: start with a connection, and reconnect more often than disconnect
        return op.list().ofMinSize(1).ofMaxSize(80).map(l -> {
            List<Op> all = new ArrayList<>();
            all.add(new Op(Kind.RECONNECT, 0));
            all.addAll(l);
            return all;
        });
    }

    @Example
    void servesWhatWasReadUntilInvalidatedThenReadsAgain() {
        long[] clock = {0};
        KeyCache cache = new KeyCache(8, MAX_AGE, () -> clock[0]);
        Caller c = new Caller(1, "a", false, 7, new Quota(2, null, null, null, null, null, null));
        assertNull(cache.get(hash(1)));
        assertFalse(cache.put(hash(1), c, cache.ticket()), "nothing stored before the listener is connected");
        cache.connected();
        assertTrue(cache.put(hash(1), c, cache.ticket()));
        assertSame(c, cache.get(hash(1)));
        cache.dropClient(2);
        assertSame(c, cache.get(hash(1)), "another client's change leaves the entry");
        cache.dropKey(7);
        assertNull(cache.get(hash(1)));
        KeyCache.Ticket early = cache.ticket();
        cache.dropClient(99);
        assertFalse(cache.put(hash(1), c, early), "a read older than an invalidation is not stored");
        assertTrue(cache.put(hash(1), c, cache.ticket()));
        clock[0] += MAX_AGE + 1;
        assertNull(cache.get(hash(1)), "too old");
        assertEquals(0, cache.size());
    }

    @Example
    void aPayloadItCannotReadEmptiesTheCache() {
        KeyCache cache = new KeyCache(8, MAX_AGE, () -> 0);
        cache.connected();
        Caller c = new Caller(1, "a", false, 7, null);
        cache.put(hash(1), c, cache.ticket());
        KeyInvalidations.apply(cache, "key 8");
        assertEquals(1, cache.size());
        KeyInvalidations.apply(cache, "key x");
        assertEquals(0, cache.size());
        cache.put(hash(1), c, cache.ticket());
        KeyInvalidations.apply(cache, "all");
        assertEquals(0, cache.size());
    }
}
