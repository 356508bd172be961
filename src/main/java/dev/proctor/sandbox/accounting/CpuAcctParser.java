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

    /**
     * @param usage     contents of cpuacct.usage: the total, in nanoseconds
     * @param usageAll  contents of cpuacct.usage_all: a header ({@code cpu user system}), then one line per
     *                  possible CPU, its number, then the nanoseconds the kernel counted there in user and in
     *                  system mode at its ticks, the counters usage_user and usage_sys add up
     * @throws IllegalArgumentException on a usageAll that is not that table
     */
    public static CpuTimes withSplit(String usage, String usageAll) {
        long total = KeyValueParser.single(usage) / 1000;
        String[] lines = usageAll.split("\n");
        if (lines.length < 2 || !lines[0].trim().equals("cpu user system")) {
            throw new IllegalArgumentException("not a cpuacct.usage_all table: " + abbreviate(usageAll));
        }
        long user = 0;
        long system = 0;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(" ");
            if (f.length != 3) {
                throw new IllegalArgumentException("cpuacct.usage_all line " + i + ": " + abbreviate(line));
            }
            try {
                Integer.parseInt(f[0]);
                user = Math.addExact(user, Long.parseLong(f[1]));
                system = Math.addExact(system, Long.parseLong(f[2]));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("cpuacct.usage_all line " + i + ": " + abbreviate(line), e);
            }
        }
        return new CpuTimes(total, user / 1000, system / 1000);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    private static long toMicros(long ticks) {
        return ticks < 0 ? -1 : ticks * MICROS_PER_TICK;
    }
}
