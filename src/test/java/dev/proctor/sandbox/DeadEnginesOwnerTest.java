package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether an engine's instance dir belongs to a live engine: its owner stamp holds the pid and the kernel's start
 * time in clock ticks, the same for every reader (not a wall-clock instant each JVM computes from its own idea of
 * the boot time). A dead engine's dir is taken for dead; a live one's never.
 */
class DeadEnginesOwnerTest {

    @Property(tries = 300)
    void theStartTimeIsField22WhateverTheCommandName(
            @ForAll("commandNames") String comm, @ForAll @LongRange(min = 0) long ticks) {
        List<String> fields = new ArrayList<>();
        fields.add("4242");
        fields.add("(" + comm + ")");
        fields.add("S");
        for (int f = 4; f <= 52; f++) {
            fields.add(f == 22 ? Long.toString(ticks) : Integer.toString(f * 7));
        }
        assertEquals(Long.toString(ticks), DeadEngines.startTicksOf(String.join(" ", fields) + "\n"));
    }

    /** A command name is at most 15 bytes, anything but NUL: spaces, parentheses, digits, newlines. */
    @Provide
    Arbitrary<String> commandNames() {
        return Arbitraries.strings()
                .withChars(" ()) (x9\n\t-:")
                .withCharRange('a', 'z')
                .ofMinLength(0)
                .ofMaxLength(15);
    }

    @Property(tries = 50)
    void anEndedProcessHasNoStartTime(@ForAll("commandNames") String comm, @ForAll("ended") String state) {
        StringBuilder b = new StringBuilder("4242 (" + comm + ") " + state);
        for (int f = 4; f <= 52; f++) {
            b.append(' ').append(f * 7);
        }
        assertEquals(null, DeadEngines.startTicksOf(b.toString()));
    }

    @Provide
    Arbitrary<String> ended() {
        return Arbitraries.of("Z", "X");
    }

    @Property(tries = 20)
    void aLineWithoutField22HasNoStartTime(@ForAll @LongRange(min = 0, max = 18) long fieldsAfterComm) {
        StringBuilder b = new StringBuilder("1 (x)");
        for (long i = 0; i < fieldsAfterComm; i++) {
            b.append(' ').append(i);
        }
        assertEquals(null, DeadEngines.startTicksOf(b.toString()));
    }

    @org.junit.jupiter.api.Test
    void thisProcessIsLiveAndTheSameStampEverywhere(@TempDir Path dir) throws IOException {
        String stamp = DeadEngines.ownerStamp(ProcessHandle.current());
        assertNotNull(DeadEngines.startTicks(ProcessHandle.current().pid()));
        Files.writeString(dir.resolve("owner"), stamp);
        assertTrue(DeadEngines.isLive(dir));
        assertEquals(stamp, DeadEngines.ownerStamp(ProcessHandle.current()));
    }

    @org.junit.jupiter.api.Test
    void aRecycledPidOrAGoneProcessIsDead(@TempDir Path dir) throws Exception {
        long self = ProcessHandle.current().pid();
        long ticks = Long.parseLong(DeadEngines.startTicks(self));
        // the same pid, started at another time: a recycled pid
        Files.writeString(dir.resolve("owner"), self + " " + (ticks + 1));
        assertFalse(DeadEngines.isLive(dir));
        // a killed process, first a zombie (not yet reaped), then gone
        Process gone = new ProcessBuilder("sleep", "600").start();
        String goneStamp = DeadEngines.ownerStamp(gone.toHandle());
        Files.writeString(dir.resolve("owner"), goneStamp);
        assertTrue(DeadEngines.isLive(dir));
        Path stat = Path.of("/proc", Long.toString(gone.pid()), "stat");
        dev.proctor.sandbox.linux.Syscalls.kill((int) gone.pid(), dev.proctor.sandbox.linux.Syscalls.SIGKILL);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (DeadEngines.running(gone.pid()) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertFalse(DeadEngines.isLive(dir));
        gone.waitFor();
        assertFalse(DeadEngines.isLive(dir));
        Files.writeString(dir.resolve("owner"), "not a stamp");
        assertFalse(DeadEngines.isLive(dir));
    }

    @org.junit.jupiter.api.Test
    void anOlderEnginesStampOfALivePidIsTakenForLive(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("owner"), ProcessHandle.current().pid() + " 2026-12-01T10:00:00.120Z");
        assertTrue(DeadEngines.isLive(dir));
    }

    @org.junit.jupiter.api.Test
    void onlyADirBeingMadeMayLackItsStampAndOnlyForAMinute(@TempDir Path instances) throws IOException {
        Path making = Files.createDirectory(instances.resolve(DeadEngines.BEING_MADE_PREFIX + "p1e2"));
        assertTrue(DeadEngines.isLive(making));
        Files.setLastModifiedTime(
                making,
                FileTime.from(Instant.now().minus(DeadEngines.BEING_MADE).minusSeconds(5)));
        assertFalse(DeadEngines.isLive(making));
        // under its own name, a dir without a stamp (or with one hidden under a stacked mount) is dead
        Path named = Files.createDirectory(instances.resolve("p1e3"));
        assertFalse(DeadEngines.isLive(named));
    }
}
