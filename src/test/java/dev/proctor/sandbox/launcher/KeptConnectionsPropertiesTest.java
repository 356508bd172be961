package dev.proctor.sandbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The kept connections against a plain model, over generated sequences of gives back, takes and a close, at
 * generated times and with generated keys (id ranges): a take hands out a connection only when more than {@code
 * rest} are kept and the oldest has rested long enough, else nothing, and then the oldest rested one with the
 * take's key, else the oldest; a give back beyond {@code max}, or after the close, closes the connection; the
 * close closes every kept one; no connection is ever both handed out and closed, or handed out twice while kept.
 */
class KeptConnectionsPropertiesTest {

    /** One step: {@code kind} 0 gives a new connection back, 1 takes one, 2 closes all; after {@code dt} ns; with {@code key}. */
    record Step(int kind, long dt, long key) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Combinators.combine(
                        Arbitraries.frequency(
                                net.jqwik.api.Tuple.of(10, 0),
                                net.jqwik.api.Tuple.of(10, 1),
                                net.jqwik.api.Tuple.of(1, 2)),
                        Arbitraries.oneOf(
                                Arbitraries.longs().between(0, 3_000_000),
                                Arbitraries.of(0L, 1_999_999L, 2_000_000L, 2_000_001L)),
                        Arbitraries.longs().between(-1, 2))
                .as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(80);
    }

    @Property(tries = 2000)
    void takesAndGivesBackFollowTheModel(
            @ForAll("steps") List<Step> steps,
            @ForAll @IntRange(min = 0, max = 3) int rest,
            @ForAll @IntRange(min = 1, max = 6) int room) {
        long minRest = 2_000_000;
        int max = rest + room;
        long[] now = {0};
        Set<Integer> closed = new HashSet<>();
        KeptConnections<Integer> kept = new KeptConnections<>(
                rest,
                minRest,
                max,
                c -> {
                    assertTrue(closed.add(c), "closed twice: " + c);
                },
                () -> now[0]);
        List<long[]> model = new ArrayList<>(); // {id, since, key}, oldest first
        boolean modelClosed = false;
        Set<Integer> handedOut = new HashSet<>();
        List<String> trace = new ArrayList<>();
        int next = 0;
        for (Step s : steps) {
            now[0] += s.dt();
            switch (s.kind()) {
                case 0 -> {
                    int id = next++;
                    kept.giveBack(id, s.key());
                    if (modelClosed || model.size() >= max) {
                        assertTrue(closed.contains(id), trace + ": give back " + id + " beyond max or after close");
                    } else {
                        model.add(new long[] {id, now[0], s.key()});
                        assertTrue(!closed.contains(id), trace + ": kept " + id + " was closed");
                    }
                    trace.add("give " + id + "/" + s.key());
                }
                case 1 -> {
                    Integer got = kept.take(s.key());
                    Integer expected = null;
                    if (model.size() > rest && now[0] - model.get(0)[1] >= minRest) {
                        int at = 0;
                        for (int i = 0; i < model.size() && now[0] - model.get(i)[1] >= minRest; i++) {
                            if (model.get(i)[2] == s.key()) {
                                at = i;
                                break;
                            }
                        }
                        expected = (int) model.remove(at)[0];
                    }
                    assertEquals(expected, got, trace + ": take at " + now[0]);
                    if (got != null) {
                        assertTrue(handedOut.add(got), "handed out twice: " + got);
                        assertTrue(!closed.contains(got), "handed out a closed one: " + got);
                    }
                    trace.add("take " + s.key() + ": " + got);
                }
                default -> {
                    kept.closeAll();
                    for (long[] k : model) {
                        assertTrue(closed.contains((int) k[0]), trace + ": kept " + k[0] + " not closed");
                    }
                    model.clear();
                    modelClosed = true;
                    trace.add("close");
                }
            }
            assertEquals(model.size(), kept.size(), trace.toString());
        }
    }

    @Property(tries = 50)
    void nothingIsHandedOutOnceClosed(
            @ForAll @Size(min = 0, max = 20) List<@IntRange(min = 0, max = 5) Integer> gives) {
        KeptConnections<Integer> kept = new KeptConnections<>(0, 0, 32, c -> {}, () -> 0L);
        for (int g : gives) {
            kept.giveBack(g, g % 2);
        }
        kept.closeAll();
        kept.giveBack(99, 1);
        assertEquals(null, kept.take(1));
        assertEquals(0, kept.size());
    }
}
