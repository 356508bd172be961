package dev.proctor.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.rootfs.LayerFiles;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The links the dashboard's pages carry: to files that are there, named by what they hold. */
class DashboardAssetsTest {

    @TempDir
    Path dir;

    @Test
    void theBuiltClassPathHasEveryFileThePagesLink() throws IOException {
        DashboardAssets assets = new DashboardAssets();
        ClassLoader loader = getClass().getClassLoader();
        for (String link : new String[] {assets.getScript(), assets.getStyle(), assets.getEcharts()}) {
            assertTrue(link.matches("/static/[a-z]+/[a-z.]+\\?v=[0-9a-f]{12}"), link);
            URL url = loader.getResource("META-INF/resources" + link.replaceFirst("\\?.*$", ""));
            assertNotNull(url, link + " is not served");
        }
        // ECharts' module as copied out of its jar: whole, self-contained, an ES module
        try (var in = loader.getResourceAsStream("META-INF/resources/" + DashboardAssets.ECHARTS)) {
            String module = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(module.length() > 500_000, "ECharts' module is " + module.length() + " bytes");
            assertTrue(module.contains(" as init,") && module.stripTrailing().endsWith("};"), "not ECharts' ES module");
        }
        assertEquals(
                "{\"imports\":{\"echarts\":\"" + assets.getEcharts() + "\"}}",
                assets.getImportMap().getValue());
    }

    /** Any two contents get two links, the same content the same link. */
    @Property(tries = 200)
    void aLinkChangesWithTheBytesOfItsFile(@ForAll @Size(max = 64) byte[] a, @ForAll @Size(max = 64) byte[] b)
            throws IOException {
        Path base = Files.createTempDirectory("proctor-assets");
        try {
            String first = linkTo(base, a);
            String second = linkTo(base, b);
            assertEquals(Arrays.equals(a, b), first.equals(second), first + " " + second);
            assertEquals(first, linkTo(base, a));
        } finally {
            LayerFiles.deleteTree(base);
        }
    }

    @Test
    void aMissingFileStopsTheStartNotTheDrawing() throws IOException {
        write(dir, DashboardAssets.SCRIPT, new byte[] {1});
        write(dir, DashboardAssets.STYLE, new byte[] {2});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new DashboardAssets(loader(dir)));
        assertTrue(e.getMessage().contains(DashboardAssets.ECHARTS), e.getMessage());
        write(dir, DashboardAssets.ECHARTS, new byte[] {3});
        DashboardAssets assets = new DashboardAssets(loader(dir));
        assertNotEquals(
                assets.getScript().replaceFirst(".*\\?", ""), assets.getStyle().replaceFirst(".*\\?", ""));
    }

    private static String linkTo(Path base, byte[] content) throws IOException {
        write(base, DashboardAssets.SCRIPT, content);
        return DashboardAssets.link(loader(base), DashboardAssets.SCRIPT);
    }

    private static void write(Path base, String path, byte[] content) throws IOException {
        Path file = base.resolve("META-INF/resources").resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
    }

    private static ClassLoader loader(Path base) throws IOException {
        // no parent: only what the test wrote is on this class path
        return new URLClassLoader(new URL[] {base.toUri().toURL()}, null);
    }
}
