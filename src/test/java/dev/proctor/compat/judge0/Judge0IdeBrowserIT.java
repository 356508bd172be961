package dev.proctor.compat.judge0;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.RealSandboxProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Judge0 IDE's request sequence replayed by headless Chromium from a page of another origin (a loopback
 * server on another port): language list, language 105, the CORS preflight of the JSON POST with its
 * X-Auth-Token, POST /submissions?base64_encoded=true&wait=false with redirect_stderr_to_stdout, and
 * polling GET /submissions/{token}?base64_encoded=true until the status id is over 2; real sandbox, real g++.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(RealSandboxProfile.class)
class Judge0IdeBrowserIT {

    @TestHTTPResource("/judge0")
    URL api;

    private WebDriver driver;
    private Path profileDir;
    private HttpServer ide;

    @BeforeEach
    void browser() throws IOException {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
        requireKernel(Files.isExecutable(Path.of("/usr/bin/chromium")), "apt-get install chromium chromium-driver");
        System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
        profileDir = Files.createTempDirectory("proctor-chromium");
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--user-data-dir=" + profileDir);
        driver = new ChromeDriver(o);
        byte[] page;
        try (InputStream in = Judge0IdeBrowserIT.class.getResourceAsStream("/compat/judge0-ide.html")) {
            page = in.readAllBytes();
        }
        ide = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ide.createContext("/ide.html", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, page.length);
            ex.getResponseBody().write(page);
            ex.close();
        });
        ide.start();
    }

    @AfterEach
    void close() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (ide != null) {
            ide.stop(0);
        }
        if (profileDir != null) {
            try (var walk = Files.walk(profileDir)) {
                walk.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void theIdeSequenceRunsCppFromAnotherOrigin() throws Exception {
        String key = Judge0Support.newKey();
        // the page and the API on different ports: two origins, as the IDE and a Judge0 server are
        String apiBase = api.toString();
        String page = "http://127.0.0.1:" + ide.getAddress().getPort() + "/ide.html?api="
                + URLEncoder.encode(apiBase, StandardCharsets.UTF_8) + "&key="
                + URLEncoder.encode(key, StandardCharsets.UTF_8);
        driver.get(page);
        new WebDriverWait(driver, Duration.ofMinutes(3))
                .until(d -> !d.findElements(By.id("result")).isEmpty());
        JsonNode r =
                new ObjectMapper().readTree(driver.findElement(By.id("result")).getText());
        String detail = r + "\n" + driver.findElement(By.id("log")).getText();
        assertTrue(r.path("error").isMissingNode(), detail);
        assertTrue(r.get("languages").toString().contains("105"), detail);
        assertTrue(r.get("language").asText().startsWith("C++ (GCC "), detail);
        assertEquals(201, r.get("created").asInt(), detail);
        assertEquals(3, r.at("/status/id").asInt(), detail);
        assertEquals("hello 42\nto stderr\n", r.get("stdout").asText(), detail);
        assertTrue(r.get("stderr").isNull(), detail);
        assertTrue(r.get("time").asText().matches("\\d+\\.\\d+"), detail);
    }
}
