package dev.proctor.sandbox.accounting;

/** cgroup v1 {@code memory.oom_control}: oom_kill_disable, under_oom and (since 4.13) oom_kill. */
public final class OomControlParser {

    /** @param oomKills processes killed by the OOM killer, -1 on kernels older than 4.13 */
    public record OomControl(boolean killDisabled, boolean underOom, long oomKills) {}

    private OomControlParser() {}

    public static OomControl parse(String text) {
        return new OomControl(
                KeyValueParser.get(text, "oom_kill_disable") == 1,
                KeyValueParser.get(text, "under_oom") == 1,
                KeyValueParser.get(text, "oom_kill"));
    }
}
