package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A run on one CPU of its own from its connection to its reply (launcher/cpupin.c): its supervisor and
 * pid 1 are pinned there, no two runs at once share a CPU, a run that finds none free is not pinned, and
 * the job itself may run on every CPU the service may, as it could before (it sees the same mask: nproc and
 * a runtime's thread count do not change). A CPU left taken by a supervisor killed mid-run is taken again.
 */
class SandboxCpusIT extends SandboxRuns {

    /** Held runs at once: one more than the CPUs on a small machine (one finds none free), else 3. */
    private static int runsAtOnce(int cpus) {
        return cpus <= 4 ? cpus + 1 : 3;
    }

    @Test
    void eachRunAtOnceHasACpuOfItsOwnAndItsJobHasEveryCpu() throws IOException {
        Set<Integer> service = cpusOf(ProcessHandle.current().pid());
        assumeTrue(service.size() >= 2, "one CPU: nothing is pinned");
        List<Held> runs = startHeldRuns(runsAtOnce(service.size()));
        List<Integer> pinned = new ArrayList<>();
        int unpinned = 0;
        for (Held h : runs) {
            long job = h.jobPid();
            long pid1 = parentOf(job);
            long supervisor = parentOf(pid1);
            assertEquals(service, cpusOf(job), "the job's CPUs are the service's");
            Set<Integer> sup = cpusOf(supervisor);
            assertEquals(sup, cpusOf(pid1), "pid 1 has its supervisor's CPUs");
            if (sup.size() == 1) {
                pinned.add(sup.iterator().next());
            } else {
                assertEquals(service, sup, "a supervisor not pinned keeps the service's CPUs");
                unpinned++;
            }
        }
        assertEquals(
                Math.min(runs.size(), service.size()),
                pinned.size(),
                () -> "runs pinned: " + pinned + " of " + runs.size() + " on CPUs " + service);
        assertEquals(pinned.size(), new TreeSet<>(pinned).size(), () -> "two runs on one CPU: " + pinned);
        assertTrue(service.containsAll(pinned), () -> pinned + " not all in " + service);
        assertEquals(runs.size() - pinned.size(), unpinned);
        long server = parentOf(supervisorOf(runs.get(0).jobPid()));
        for (Held h : runs) {
            RunResult r = release(h.workdir(), h.run());
            assertEquals(service.toString(), okOut(r).strip(), "the job's own view of its CPUs");
        }
        // a supervisor back in the pool ("proctor-idle", after its unpin) has every CPU again for its next run
        Set<Long> idle = supervisorsNamed(ProcessHandle.of(server).orElseThrow(), "proctor-idle");
        assertTrue(!idle.isEmpty(), "no idle supervisor");
        for (long sup : idle) {
            assertEquals(service, cpusOf(sup), "idle supervisor " + sup);
        }
    }

    @Test
    void aCpuLeftByASupervisorKilledMidRunIsTakenAgain() throws Exception {
        Set<Integer> service = cpusOf(ProcessHandle.current().pid());
        assumeTrue(service.size() >= 2 && service.size() <= 4, "2 to 4 CPUs: every CPU taken at once");
        List<Held> runs = startHeldRuns(service.size());
        long victim = supervisorOf(runs.get(0).jobPid());
        assertEquals(1, cpusOf(victim).size(), "the supervisor was pinned");
        ProcessHandle.of(victim).orElseThrow().destroyForcibly();
        RunResult killed = runs.get(0).run().get(60, TimeUnit.SECONDS);
        assertTrue(killed.status() != RunStatus.OK, () -> describe(killed));
        List<Long> others = new ArrayList<>();
        for (Held h : runs.subList(1, runs.size())) {
            others.add(supervisorOf(h.jobPid()));
            release(h.workdir(), h.run());
        }
        // a supervisor gives its CPU back after its reply: wait until the released runs' have
        long unpinned = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (long sup : others) {
            while (stillPinned(sup) && System.nanoTime() < unpinned) {
                Thread.sleep(10);
            }
        }
        // the server reaps the killed supervisor and frees its slot; then its CPU is free to take again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(Path.of("/proc", Long.toString(victim))) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(!Files.exists(Path.of("/proc", Long.toString(victim))), "the killed supervisor was not reaped");
        Set<Integer> taken = new TreeSet<>();
        for (Held h : startHeldRuns(service.size())) {
            Set<Integer> sup = cpusOf(supervisorOf(h.jobPid()));
            assertEquals(1, sup.size(), () -> "a run not pinned after the kill: " + sup);
            taken.addAll(sup);
            release(h.workdir(), h.run());
        }
        assertEquals(service, taken, "every CPU taken again, the killed supervisor's too");
    }

    /** A held run and its job's host pid (the one process whose command line holds the run's marker). */
    private record Held(Workdir workdir, CompletableFuture<RunResult> run, long jobPid) {}

    /** {@code n} python runs at once, each printing the CPUs it may run on, then holding (SandboxRuns.HOLD). */
    private List<Held> startHeldRuns(int n) {
        List<Workdir> dirs = new ArrayList<>();
        List<String> markers = new ArrayList<>();
        List<CompletableFuture<RunResult>> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Workdir w = workdir();
            String marker = "cpus-" + UUID.randomUUID();
            dirs.add(w);
            markers.add(marker);
            // a thread of its own per held run (SandboxRuns.startHeld): all n must be running at once
            started.add(startHeld(
                    w,
                    "# " + marker + "\nimport os\nprint(sorted(os.sched_getaffinity(0)), flush=True)\n",
                    "",
                    SandboxCpusIT::ownThread));
        }
        List<Held> runs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            awaitReady(dirs.get(i), started.get(i));
            runs.add(new Held(dirs.get(i), started.get(i), jobWith(markers.get(i))));
        }
        return runs;
    }

    /** Whether a supervisor still holds one CPU (false once it has given it back or is gone). */
    private static boolean stillPinned(long supervisor) {
        try {
            return cpusOf(supervisor).size() == 1;
        } catch (IOException gone) {
            return false;
        }
    }

    private static void ownThread(Runnable r) {
        Thread t = new Thread(r, "held-run");
        t.setDaemon(true);
        t.start();
    }

    /** The CPUs a process may run on, from its Cpus_allowed_list ("0-1", "0,2-3"). */
    static Set<Integer> cpusOf(long pid) throws IOException {
        return parseCpuList(procStatus(pid).get("Cpus_allowed_list"));
    }

    static Set<Integer> parseCpuList(String list) {
        Set<Integer> cpus = new TreeSet<>();
        for (String part : list.split(",")) {
            int dash = part.indexOf('-');
            int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
            int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
            for (int c = from; c <= to; c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }
}
