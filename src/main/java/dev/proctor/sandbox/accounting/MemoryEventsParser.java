package dev.proctor.sandbox.accounting;

/** cgroup v2 {@code memory.events}: how often the limit was hit and how many OOM kills happened. */
public final class MemoryEventsParser {

    /**
     * @param limitHits  "max": times usage was about to exceed memory.max
     * @param oomKills   "oom_kill": processes killed by the OOM killer
     */
    public record MemoryEvents(long limitHits, long oomKills) {}

    private MemoryEventsParser() {}

    public static MemoryEvents parse(String text) {
        return new MemoryEvents(KeyValueParser.get(text, "max"), KeyValueParser.get(text, "oom_kill"));
    }
}
