package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.Verdict;
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
 * {@link RunningHere} answers a job it finished from memory exactly while it can vouch for it: generated sequences
 * of what happens to a node (jobs finishing here, in every form a finish can take, time passing, cancels and
 * deletions announced from anywhere, the listener's connection lost and back) are played against it and against a
 * plain model of the rules, and every read must agree.
 */
class RunningHereFinishedTest {

    private static final long SECOND = 1_000_000_000L;
    private static final int JOBS = 4;
    private static final long MAX_AGE = RunningHere.FINISHED_MAX_AGE.toNanos();

    /** One thing that happens; {@code job} indexes {@link #JOBS} fixed ids, {@code amount} is time or a form. */
    record Step(String kind, int job, int amount) {
        @Override
        public String toString() {
            return kind + "(" + job + "," + amount + ")";
        }
    }

    /** The forms a finish takes: held only as the first (done, result and rendered metadata at hand, small). */
    private static final int FORMS = 5;

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<String> kinds =
                Arbitraries.of("finish", "finish", "finish", "cancel", "deaf", "listen", "wait", "wait", "wait");
        Arbitrary<Step> step = Combinators.combine(
                        kinds,
                        Arbitraries.integers().between(0, JOBS - 1),
                        Arbitraries.integers().between(0, 12))
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 1000)
    void answersAFinishedJobExactlyWhileItCanVouch(@ForAll("steps") List<Step> steps) {
        long[] clock = {0};
        RunningHere here = new RunningHere(() -> clock[0]);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            ids.add(UUID.randomUUID());
        }
        boolean connected = true;
        int connection = 1;
        Map<Integer, Integer> finishedUnder = new HashMap<>();
        Map<Integer, Long> finishedAt = new HashMap<>();
        Set<Integer> cancelled = new HashSet<>();
        here.listening();
        for (Step s : steps) {
            int j = s.job();
            UUID id = ids.get(j);
            switch (s.kind()) {
                case "finish" -> {
                    int form = s.amount() % FORMS;
                    finish(here, stored(id, j, form));
                    if (form == 0 && connected && !cancelled.contains(j)) {
                        finishedUnder.put(j, connection);
                        finishedAt.put(j, clock[0]);
                    }
                }
                case "cancel" -> {
                    // a cancel or a deletion: through this node, or announced on proctor_cancel
                    here.cancelled(id);
                    cancelled.add(j);
                    finishedUnder.remove(j);
                }
                case "deaf" -> {
                    here.deaf();
                    connected = false;
                    finishedUnder.clear();
                }
                case "listen" -> {
                    here.listening();
                    if (!connected) {
                        connected = true;
                        connection++;
                    }
                }
                case "wait" -> clock[0] += s.amount() * SECOND;
                default -> throw new IllegalStateException(s.kind());
            }
            for (int k = 0; k < JOBS; k++) {
                Integer under = finishedUnder.get(k);
                boolean vouches =
                        under != null && connected && under == connection && clock[0] - finishedAt.get(k) < MAX_AGE;
                JobWaiters.Stored read = here.finishedRow(ids.get(k));
                assertEquals(vouches, read != null, "job " + k + " after " + steps);
                if (read != null) {
                    assertEquals(ids.get(k), read.job().id);
                    assertEquals(JobState.DONE, read.job().state);
                }
                // a finished job is never answered as running
                assertNull(here.row(ids.get(k)));
            }
        }
    }

    @Example
    void theHeldRowIsACopyOfTheOneStored() {
        RunningHere here = new RunningHere(() -> 0);
        here.listening();
        UUID id = UUID.randomUUID();
        JobWaiters.Stored stored = stored(id, 3, 0);
        finish(here, stored);
        stored.job().profile = "changed after";
        JobWaiters.Stored read = here.finishedRow(id);
        assertNotNull(read);
        assertNotSame(stored.job(), read.job());
        assertEquals("p3", read.job().profile);
        assertEquals(stored.result(), read.result());
        assertEquals(stored.metadata(), read.metadata());
        // the request is not kept: its view takes the metadata given
        assertNull(read.job().request);
    }

    @Example
    void onlyTheLatestAreHeld() {
        RunningHere here = new RunningHere(() -> 0);
        here.listening();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < RunningHere.FINISHED_MAX + 10; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            finish(here, stored(id, i, 0));
        }
        assertEquals(RunningHere.FINISHED_MAX, here.finishedSize());
        assertNull(here.finishedRow(ids.get(0)));
        assertNull(here.finishedRow(ids.get(9)));
        assertNotNull(here.finishedRow(ids.get(10)));
        assertNotNull(here.finishedRow(ids.get(ids.size() - 1)));
    }

    @Example
    void aShortRetentionHalvesTheTimeHeld() {
        long[] clock = {0};
        RunningHere here = new RunningHere(() -> clock[0]);
        here.retention(Duration.ofSeconds(4));
        here.listening();
        UUID id = UUID.randomUUID();
        finish(here, stored(id, 1, 0));
        clock[0] = 2 * SECOND - 1;
        assertNotNull(here.finishedRow(id));
        clock[0] = 2 * SECOND;
        assertNull(here.finishedRow(id));
        // a retention of nothing holds nothing
        here.retention(Duration.ZERO);
        UUID other = UUID.randomUUID();
        finish(here, stored(other, 2, 0));
        assertNull(here.finishedRow(other));
    }

    @Example
    void nothingIsHeldWhileNobodyListens() {
        RunningHere here = new RunningHere(() -> 0);
        UUID id = UUID.randomUUID();
        finish(here, stored(id, 1, 0));
        assertNull(here.finishedRow(id));
        assertEquals(0, here.finishedSize());
    }

    /** {@code stored}'s job has finished on {@code here}. */
    private static void finish(RunningHere here, JobWaiters.Stored stored) {
        here.finished(stored.job(), stored.result(), stored.metadata());
    }

    /**
     * A job {@code j} as its result's statement returned it, in form {@code form}: 0 held; 1 its metadata not
     * at hand as PostgreSQL renders it; 2 no result; 3 a result over the size held; 4 not done.
     */
    private static JobWaiters.Stored stored(UUID id, int j, int form) {
        Job row = new Job();
        row.id = id;
        row.clientId = j;
        row.state = form == 4 ? JobState.CANCELLED : JobState.DONE;
        row.verdict = Verdict.ACCEPTED;
        row.score = 1.0;
        row.profile = "p" + j;
        row.request = "{\"metadata\":{\"b\":1,\"a\":2}}";
        row.attempts = 1;
        row.createdAt = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);
        row.startedAt = row.createdAt;
        row.finishedAt = row.createdAt.plusSeconds(1);
        JobResult result = form == 2 ? null : JobResult.empty("node-a");
        row.result = result == null
                ? null
                : form == 3 ? "x".repeat(RunningHere.FINISHED_MAX_RESULT_CHARS + 1) : result.toJson();
        return new JobWaiters.Stored(
                row,
                result,
                form == 1
                        ? RequestMetadata.UNREAD
                        : JsonNodeFactory.instance.objectNode().put("a", 2));
    }
}
