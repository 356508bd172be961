package dev.proctor.sandbox.ids;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.proctor.sandbox.SandboxException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostIdRangesTest {

    private static final int BASE = 100_000;

    @TempDir
    Path dir;

    @Test
    void leasesInOneJvmAreDistinctAcrossEngines() {
        HostIdRanges a = new HostIdRanges(BASE, 3, dir);
        // the same dir, spelt otherwise
        HostIdRanges b = new HostIdRanges(BASE, 3, dir.resolve("."));
        Set<Integer> firsts = new HashSet<>();
        HostIdRanges.Lease l1 = a.lease();
        HostIdRanges.Lease l2 = b.lease();
        HostIdRanges.Lease l3 = a.lease();
        firsts.add(l1.range().first());
        firsts.add(l2.range().first());
        firsts.add(l3.range().first());
        assertEquals(Set.of(BASE, BASE + IdRange.SIZE, BASE + 2 * IdRange.SIZE), firsts);
        assertThrows(SandboxException.class, b::lease);
        l1.close();
        l3.close();
        l2.close();
    }

    @Test
    void aClosedRangeIsLeasedAgainAndClosingTwiceFreesItOnce() {
        HostIdRanges ranges = new HostIdRanges(BASE, 2, dir);
        HostIdRanges.Lease first = ranges.lease();
        HostIdRanges.Lease second = ranges.lease();
        assertNotEquals(first.range().first(), second.range().first());
        first.close();
        HostIdRanges.Lease again = ranges.lease();
        assertEquals(first.range().first(), again.range().first());
        // a second close of the old lease must not free the range the new lease holds
        first.close();
        assertThrows(SandboxException.class, ranges::lease);
        again.close();
        second.close();
        HostIdRanges.Lease l = ranges.lease();
        l.close();
    }
}
