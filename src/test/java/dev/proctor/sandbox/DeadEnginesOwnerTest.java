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

    @Property(tries = 20)
    void aLineWithoutField22HasNoStartTime(@ForAll @LongRange(min = 0, max = 18) long fieldsAfterComm) {
        StringBuilder b = new StringBuilder("1 (x)");
        for (long i = 0; i < fieldsAfterComm; i++) {
            b.append(' ').append(i);
        }
        assertEquals(null, DeadEngines.startTicksOf(b.toString()));
    }

    @org.junit.jupiter.api.Test
    void thisProcessIsLiveAndTheSameStampEverywhere() throws IOException {
        Path dir = Files.createTempDirectory("dead-engines-owner");
        try {
            String stamp = DeadEngines.ownerStamp(ProcessHandle.current());
            assertNotNull(DeadEngines.startTicks(ProcessHandle.current().pid()));
            Files.writeString(dir.resolve("owner"), stamp);
            assertTrue(DeadEngines.isLive(dir));
            assertEquals(stamp, DeadEngines.ownerStamp(ProcessHandle.current()));
        } finally {
            deleteTree(dir);
        }
    }

    @org.junit.jupiter.api.Test
    void aRecycledPidOrAGoneProcessIsDead() throws Exception {
        Path dir = Files.createTempDirectory("dead-engines-owner");
        try {
            long self = ProcessHandle.current().pid();
            long ticks = Long.parseLong(DeadEngines.startTicks(self));
            // the same pid, started at another time: a recycled pid
            Files.writeString(dir.resolve("owner"), self + " " + (ticks + 1));
            assertFalse(DeadEngines.isLive(dir));
            Process gone = new ProcessBuilder("true").start();
            String goneStamp = DeadEngines.ownerStamp(gone.toHandle());
            gone.waitFor();
            Files.writeString(dir.resolve("owner"), goneStamp);
            assertFalse(DeadEngines.isLive(dir));
            Files.writeString(dir.resolve("owner"), "not a stamp");
            assertFalse(DeadEngines.isLive(dir));
        } finally {
            deleteTree(dir);
        }
    }

    @org.junit.jupiter.api.Test
    void anOlderEnginesStampOfALivePidIsTakenForLive() throws IOException {
        Path dir = Files.createTempDirectory("dead-engines-owner");
        try {
            Files.writeString(dir.resolve("owner"), ProcessHandle.current().pid() + " 2026-12-01T10:00:00.120Z");
            assertTrue(DeadEngines.isLive(dir));
        } finally {
            deleteTree(dir);
        }
    }

    @org.junit.jupiter.api.Test
    void aDirWithoutItsStampIsBeingMadeForAMinuteThenDead() throws IOException {
        Path dir = Files.createTempDirectory("dead-engines-owner");
        try {
            assertTrue(DeadEngines.isLive(dir));
            Files.setLastModifiedTime(
                    dir,
                    FileTime.from(Instant.now().minus(DeadEngines.BEING_MADE).minusSeconds(5)));
            assertFalse(DeadEngines.isLive(dir));
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
