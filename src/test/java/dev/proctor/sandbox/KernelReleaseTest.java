package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The start-up check of the kernel release the launcher needs (5.12: mount_setattr). */
class KernelReleaseTest {

    @Test
    void releasesFromFiveTwelveOnPass() {
        for (String release :
                new String[] {"5.12.0", "5.15.0-91-generic", "6.1.0-18-amd64", "6.18.44-fc-v857", "10.0"}) {
            assertTrue(EngineBootstrap.kernelAtLeast(release, 5, 12), release);
        }
    }

    @Test
    void olderOrUnreadableReleasesFail() {
        for (String release : new String[] {"5.11.22", "5.4.0-150-generic", "4.19.0", "", "linux", "5"}) {
            assertFalse(EngineBootstrap.kernelAtLeast(release, 5, 12), release);
        }
    }
}
