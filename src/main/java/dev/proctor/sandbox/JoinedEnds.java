package dev.proctor.sandbox;

import java.util.List;

/**
 * Which of two joined runs ended first ({@link JoinedRuns#firstEndedFirst()}).
 *
 * <p>A run ends, for the run it talks to, when the last holder of its output pipe lets go of it: its job
 * exited, was killed with its pid namespace, or closed its stdout. The kernel queues an inotify event for
 * that close as part of the close itself, before it wakes the reader with EOF ({@code __fput}: the
 * notification, then the pipe's release), and one inotify instance watching both pipes gets the events
 * in the order the closes happened. So a run that ended because it read the other's EOF (an interactor
 * that answers "wrong answer" when the submission dies, a submission that exits when the interactor is
 * gone) is always after it, however busy the machine and however close together the two ends are.
 * Clocks cannot say that: whoever reads the clock (a supervisor, or pid 1 when its wait returns) may be
 * scheduled late, and a job that exits at once and an interactor that answers its EOF end within tens of
 * microseconds of each other.
 *
 * <p>When a close was not seen (a run that never started, no inotify instance to be had), the launcher's
 * end stamps decide ({@code end_mono_us}: when pid 1 reaped the job, or when the supervisor killed it),
 * a tie going to the first run.
 */
final class JoinedEnds {

    private JoinedEnds() {}

    /**
     * @param closedWriters watch descriptors of the writer closes, oldest first (null: no watch)
     * @param firstOutput   the watch of the pipe the first run writes into
     * @param secondOutput  the watch of the pipe the second run writes into
     * @param firstEnd      the first run's end stamp in microseconds, 0 when unknown
     * @param secondEnd     the second run's end stamp in microseconds, 0 when unknown
     */
    static boolean firstEndedFirst(
            List<Integer> closedWriters, int firstOutput, int secondOutput, long firstEnd, long secondEnd) {
        if (closedWriters != null) {
            int first = closedWriters.indexOf(firstOutput);
            int second = closedWriters.indexOf(secondOutput);
            if (first >= 0 && second >= 0) {
                return first < second;
            }
        }
        return firstEnd > 0 && secondEnd > 0 && firstEnd <= secondEnd;
    }
}
