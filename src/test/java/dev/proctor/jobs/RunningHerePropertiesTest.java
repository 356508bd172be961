package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link RunningHere} answers a job's row from memory exactly while it can vouch for it: generated sequences of
 * what happens to a node (jobs starting, renewals, ends, cancels from anywhere, the listener's connection lost and
 * back, time passing) are played against it and against a plain model of the rules, and every read must agree.
 */
class RunningHerePropertiesTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final long SECOND = 1_000_000_000L;
    private static final int JOBS = 4;

    /** One thing that happens; {@code job} indexes {@link #JOBS} fixed ids, {@code seconds} is time passing. */
    record Step(String kind, int job, int seconds) {
        @Override
        public String toString() {
            return kind + "(" + job + "," + seconds + ")";
        }
    }

    /** The model: what a read must return, by the rules of {@link RunningHere}'s doc, written out plainly. */
    private static final class Model {
        boolean connected;
        int connection;
        long now;
        final Map<Integer, Integer> startedUnder = new HashMap<>();
        final Map<Integer, Long> heldUntil = new HashMap<>();
        final Set<Integer> cancelled = new HashSet<>();

        boolean vouches(int job) {
            Integer under = startedUnder.get(job);
            return under != null && connected && under == connection && now < heldUntil.get(job);
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<String> kinds = Arbitraries.of(
                "start", "start", "start", "renew", "renew", "end", "cancel", "deaf", "listen", "wait", "wait");
        Arbitrary<Step> step = Combinators.combine(
                        kinds,
                        Arbitraries.integers().between(0, JOBS - 1),
                        Arbitraries.integers().between(0, 40))
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 1000)
    void answersExactlyWhileItCanVouch(@ForAll("steps") List<Step> steps) {
        long[] clock = {0};
        RunningHere here = new RunningHere(() -> clock[0]);
        Model m = new Model();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            ids.add(UUID.randomUUID());
        }
        long lease = LEASE.toNanos();
        long margin = Math.min(RunningHere.MAX_MARGIN.toNanos(), lease / 3);
        // the listener connects at the node's start, before any job
        here.listening();
        m.connected = true;
        m.connection = 1;
        for (Step s : steps) {
            int j = s.job();
            UUID id = ids.get(j);
            switch (s.kind()) {
                case "start" -> {
                    here.started(row(id, j), clock[0], LEASE);
                    if (m.connected && !m.cancelled.contains(j)) {
                        m.startedUnder.put(j, m.connection);
                        m.heldUntil.put(j, m.now + lease - margin);
                    }
                }
                case "renew" -> {
                    // a renewal sent now found this job's lease held
                    here.renewed(List.of(id), clock[0], LEASE);
                    if (m.startedUnder.containsKey(j)) {
                        m.heldUntil.merge(j, m.now + lease - margin, Math::max);
                    }
                }
                case "end" -> {
                    here.ended(id);
                    m.startedUnder.remove(j);
                }
                case "cancel" -> {
                    here.cancelled(id);
                    m.cancelled.add(j);
                    m.startedUnder.remove(j);
                }
                case "deaf" -> {
                    here.deaf();
                    m.connected = false;
                    m.startedUnder.clear();
                }
                case "listen" -> {
                    here.listening();
                    if (!m.connected) {
                        m.connected = true;
                        m.connection++;
                    }
                }
                case "wait" -> {
                    clock[0] += s.seconds() * SECOND;
                    m.now = clock[0];
                }
                default -> throw new IllegalStateException(s.kind());
            }
            for (int k = 0; k < JOBS; k++) {
                Job read = here.row(ids.get(k));
                assertEquals(m.vouches(k), read != null, "job " + k + " after " + steps);
                if (read != null) {
                    assertEquals(ids.get(k), read.id);
                    assertEquals(JobState.RUNNING, read.state);
                }
            }
        }
    }

    @Example
    void aReadIsACopyOfTheRowAsStarted() {
        RunningHere here = new RunningHere(() -> 0);
        here.listening();
        UUID id = UUID.randomUUID();
        Job started = row(id, 7);
        here.started(started, 0, LEASE);
        started.profile = "changed after";
        Job read = here.row(id);
        assertNotNull(read);
        assertEquals("p7", read.profile);
        assertEquals(7L, read.clientId);
        assertEquals(1, read.attempts);
        assertEquals("node-a", read.leaseOwner);
        assertEquals(started.createdAt, read.createdAt);
        assertEquals(started.startedAt, read.startedAt);
        assertEquals("{\"metadata\":{\"b\":1,\"a\":2}}", read.request);
        read.state = JobState.DONE;
        Job again = here.row(id);
        assertNotSame(read, again);
        assertEquals(JobState.RUNNING, again.state);
    }

    @Example
    void metadataAsRenderedIsKeptUntilTheJobEnds() {
        RunningHere here = new RunningHere(() -> 0);
        here.listening();
        UUID id = UUID.randomUUID();
        var rendered = JsonNodeFactory.instance.objectNode().put("a", 2).put("b", 1);
        here.started(row(id, 1), rendered, 0, LEASE);
        assertSame(rendered, here.metadata(id));
        // a claimed job's row carries its request as stored: its metadata is read from it once, at the start
        UUID other = UUID.randomUUID();
        here.started(row(other, 2), 0, LEASE);
        assertEquals(JsonNodeFactory.instance.objectNode().put("b", 1).put("a", 2), here.metadata(other));
        here.ended(id);
        assertSame(RequestMetadata.UNREAD, here.metadata(id));
        assertNull(here.row(id));
    }

    @Example
    void aJobNotRunningIsNeverHeld() {
        RunningHere here = new RunningHere(() -> 0);
        here.listening();
        Job queued = row(UUID.randomUUID(), 1);
        queued.state = JobState.QUEUED;
        here.started(queued, 0, LEASE);
        assertNull(here.row(queued.id));
        assertEquals(0, here.size());
    }

    @Example
    void aShortLeaseKeepsAThirdOfItAsMargin() {
        long[] clock = {0};
        RunningHere here = new RunningHere(() -> clock[0]);
        here.listening();
        UUID id = UUID.randomUUID();
        here.started(row(id, 1), 0, Duration.ofSeconds(3));
        clock[0] = 2 * SECOND - 1;
        assertNotNull(here.row(id));
        clock[0] = 2 * SECOND;
        assertNull(here.row(id));
    }

    @Example
    void theCancelNoticesAreBounded() {
        RunningHere here = new RunningHere(() -> 0);
        here.listening();
        UUID first = UUID.randomUUID();
        here.cancelled(first);
        for (int i = 0; i < RunningHere.CANCELLED_MAX; i++) {
            here.cancelled(UUID.randomUUID());
        }
        // the oldest notice has made room: a job of that id would be held again (ids are never reused)
        here.started(row(first, 1), 0, LEASE);
        assertNotNull(here.row(first));
    }

    private static Job row(UUID id, int n) {
        Job j = new Job();
        j.id = id;
        j.clientId = n;
        j.state = JobState.RUNNING;
        j.profile = "p" + n;
        j.request = "{\"metadata\":{\"b\":1,\"a\":2}}";
        j.attempts = 1;
        j.leaseOwner = "node-a";
        j.createdAt = OffsetDateTime.of(2026, 12, 2, 20, 0, n, 123_456_000, ZoneOffset.UTC);
        j.startedAt = j.createdAt;
        return j;
    }
}
