package dev.proctor.dashboard;

import io.quarkus.qute.RawString;
import io.quarkus.runtime.Startup;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The dashboard's script, style sheet and ECharts, as its pages link them ({@code
 * {inject:dashboardAssets.…}} in {@code dashboard/base.html}).
 *
 * <p>All three are served as they are from the jar's {@code META-INF/resources/static/}: ours from
 * {@code src/main/resources}, ECharts' self-contained ES module copied out of its mvnpm jar by the
 * build. No bundler runs. Each link carries a hash of the file's content, so a browser never keeps
 * a stale copy across an upgrade, and the file itself is checked when the service starts: a missing
 * one is a broken build, not a dashboard that draws nothing.
 */
@Singleton
@Startup
@Named("dashboardAssets")
public class DashboardAssets {

    static final String SCRIPT = "static/dashboard/dashboard.js";
    static final String STYLE = "static/dashboard/dashboard.css";
    static final String ECHARTS = "static/echarts/echarts.esm.min.js";

    private final String script;
    private final String style;
    private final String echarts;

    DashboardAssets() {
        this(DashboardAssets.class.getClassLoader());
    }

    DashboardAssets(ClassLoader loader) {
        script = link(loader, SCRIPT);
        style = link(loader, STYLE);
        echarts = link(loader, ECHARTS);
    }

    /** The dashboard's module script, e.g. {@code /static/dashboard/dashboard.js?v=1a2b3c4d5e6f}. */
    public String getScript() {
        return script;
    }

    public String getStyle() {
        return style;
    }

    public String getEcharts() {
        return echarts;
    }

    /** The page's import map: the bare specifier {@code 'echarts'} of our script is that module. */
    public RawString getImportMap() {
        // a fixed path and a hex hash: nothing in it to escape, in JSON or in HTML
        return new RawString("{\"imports\":{\"echarts\":\"" + echarts + "\"}}");
    }

    /** {@code /path?v=} the first 12 hex digits of the SHA-256 of the file's bytes. */
    static String link(ClassLoader loader, String path) {
        String resource = "META-INF/resources/" + path;
        byte[] content;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path: the dashboard cannot be served");
            }
            content = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
            return "/" + path + "?v=" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
