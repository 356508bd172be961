package dev.proctor.dashboard;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.FakeSandboxProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Over HTTP: the page links its style sheet, its script and (through its import map) ECharts, and
 * the service serves each of them, byte for byte what the jar holds, without a session.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class DashboardAssetsHttpTest {

    private static final Pattern LINK = Pattern.compile("<link rel=\"stylesheet\" href=\"([^\"]+)\">"
            + "|<script type=\"module\" src=\"([^\"]+)\">"
            + "|<script type=\"importmap\">\\{\"imports\":\\{\"echarts\":\"([^\"]+)\"\\}\\}</script>");

    @Test
    void theLoginPageLinksItsAssetsAndEachIsServedAsItIs() throws IOException {
        String page = given().redirects()
                .follow(false)
                .get("/admin")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        List<String> links = new ArrayList<>();
        Matcher m = LINK.matcher(page);
        while (m.find()) {
            for (int g = 1; g <= 3; g++) {
                if (m.group(g) != null) {
                    links.add(m.group(g));
                }
            }
        }
        assertEquals(3, links.size(), "style sheet, script and import map in\n" + page);
        for (String link : links) {
            Response r = given().get(link);
            assertEquals(200, r.statusCode(), link);
            String type = r.contentType();
            boolean css = link.contains(".css");
            assertTrue(
                    css ? type.startsWith("text/css") : type.matches("(text|application)/javascript.*"),
                    link + ": " + type);
            assertArrayEquals(classPath(link), r.asByteArray(), link + " is not what the jar holds");
        }
    }

    private static byte[] classPath(String link) throws IOException {
        String path = "META-INF/resources" + link.replaceFirst("\\?.*$", "");
        try (InputStream in = DashboardAssetsHttpTest.class.getClassLoader().getResourceAsStream(path)) {
            assertTrue(in != null, path);
            return in.readAllBytes();
        }
    }
}
