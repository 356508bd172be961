package dev.proctor.sandbox.accounting;

/** {@code cpu.stat} of both versions (v1: throttling only, in ns; v2: usage and throttling, in µs). */
public final class CpuStatParser {

    /** -1 where the version does not report a value. */
    public record CpuStat(
            long usageMicros, long userMicros, long systemMicros, long throttledPeriods, long throttledMicros) {}

    private CpuStatParser() {}

    /** v1 cpu.stat: nr_periods, nr_throttled, throttled_time (ns). CPU usage lives in cpuacct. */
    public static CpuStat parseV1(String text) {
        long throttledNanos = KeyValueParser.get(text, "throttled_time");
        return new CpuStat(
                -1, -1, -1, KeyValueParser.get(text, "nr_throttled"), throttledNanos < 0 ? -1 : throttledNanos / 1000);
    }

    /** v2 cpu.stat: usage_usec, user_usec, system_usec, nr_throttled, throttled_usec. */
    public static CpuStat parseV2(String text) {
        return new CpuStat(
                KeyValueParser.get(text, "usage_usec"),
                KeyValueParser.get(text, "user_usec"),
                KeyValueParser.get(text, "system_usec"),
                KeyValueParser.get(text, "nr_throttled"),
                KeyValueParser.get(text, "throttled_usec"));
    }
}
