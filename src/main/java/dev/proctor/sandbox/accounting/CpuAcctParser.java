package dev.proctor.sandbox.accounting;

/** cgroup v1 cpuacct: {@code cpuacct.usage} (ns), {@code cpuacct.usage_user/_sys} (ns), {@code cpuacct.stat} (ticks). */
public final class CpuAcctParser {

    /** USER_HZ, the unit of cpuacct.stat: 100 on every Linux architecture Proctor runs on. */
    static final long USER_HZ = 100;

    private static final long MICROS_PER_TICK = 1_000_000 / USER_HZ;

    /** CPU times of a run, in microseconds. */
    public record CpuTimes(long totalMicros, long userMicros, long systemMicros) {}

    private CpuAcctParser() {}

    /**
     * @param usage      contents of cpuacct.usage
     * @param stat       contents of cpuacct.stat (only read, and may be null, without usageUser and usageSys)
     * @param usageUser  contents of cpuacct.usage_user, or null where the kernel lacks it
     * @param usageSys   contents of cpuacct.usage_sys, or null where the kernel lacks it
     */
    public static CpuTimes parse(String usage, String stat, String usageUser, String usageSys) {
        long total = KeyValueParser.single(usage) / 1000;
        // usage_user/usage_sys are nanoseconds; cpuacct.stat only has 10 ms ticks, so prefer them
        if (usageUser != null && usageSys != null) {
            return new CpuTimes(total, KeyValueParser.single(usageUser) / 1000, KeyValueParser.single(usageSys) / 1000);
        }
        return new CpuTimes(
                total, toMicros(KeyValueParser.get(stat, "user")), toMicros(KeyValueParser.get(stat, "system")));
    }

    private static long toMicros(long ticks) {
        return ticks < 0 ? -1 : ticks * MICROS_PER_TICK;
    }
}
