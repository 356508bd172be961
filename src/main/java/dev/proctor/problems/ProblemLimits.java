package dev.proctor.problems;

import java.time.Duration;
import java.util.Optional;

/**
 * The package's limits. {@code timeLimit} is present only when the package writes it down; otherwise it is
 * derived from the accepted submissions' slowest time × {@code acToTimeLimit}, rounded up to {@code
 * timeResolution}. A submission expected to time out must also do so at the limit × {@code timeLimitToTle}.
 */
public record ProblemLimits(
        Optional<Duration> timeLimit,
        double acToTimeLimit,
        double timeLimitToTle,
        Duration timeResolution,
        long memoryMiB,
        long outputMiB,
        long codeKiB) {

    /**
     * The time limit derived from the slowest accepted run, as the format's tools compute it: slowest ×
     * {@code ac_to_time_limit}, rounded up to a whole number of {@code time_resolution} steps, at least one step.
     */
    public Duration derive(Duration slowestAccepted) {
        if (timeLimit.isPresent()) {
            return timeLimit.get();
        }
        double seconds = slowestAccepted.toNanos() / 1e9 * acToTimeLimit;
        double step = timeResolution.toNanos() / 1e9;
        double steps = Math.max(1, Math.ceil(seconds / step - 1e-9));
        return Duration.ofNanos(Math.round(steps * step * 1e9));
    }

    /** The limit widened by the safety margin: what {@code slow_accepted} must meet and TLE must exceed. */
    public Duration widened(Duration limit) {
        return Duration.ofNanos((long) (limit.toNanos() * timeLimitToTle));
    }
}
