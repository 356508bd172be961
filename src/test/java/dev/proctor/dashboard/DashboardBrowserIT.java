package dev.proctor.dashboard;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.api.ApiTestSupport;
import dev.proctor.maintenance.UsageRollupJob;
import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.RealSandboxProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium: real jobs through the API and the sandbox, then log in, read
 * the charts, switch range and grouping, open a job's timelines; a client key is refused.
 * Screenshots go to target/screenshots/.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(RealSandboxProfile.class)
class DashboardBrowserIT {

    static final String ADMIN = "pk_test_admin_0123456789abcdef";
    static final Path SHOTS = Path.of("target/screenshots");
    /** How long a page may take to load and draw: headless Chromium on a busy machine is slow. */
    static final Duration PAGE = Duration.ofSeconds(90);

    @TestHTTPResource("/admin")
    URL admin;

    @Inject
    EntityManager em;

    @Inject
    UsageRollupJob rollup;

    private WebDriver driver;
    private Path profileDir;

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
                "--user-data-dir=" + profileDir,
                "--window-size=1366,768");
        driver = new ChromeDriver(o);
        Files.createDirectories(SHOTS);
    }

    @AfterEach
    void close() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (profileDir != null) {
            try (var walk = Files.walk(profileDir)) {
                walk.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String newClient(String prefix) {
        return given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("name", prefix + "-" + UUID.randomUUID().toString().substring(0, 6)))
                .post("/api/v1/admin/clients")
                .then()
                .statusCode(201)
                .extract()
                .path("keys[0].key");
    }

    /** Waits until the job is done: the charts read finished jobs. Limits far above what the job needs. */
    private static String submitAndWait(String key, Map<String, Object> job) {
        Map<String, Object> body = new HashMap<>(job);
        body.put("limits", ApiTestSupport.ROOMY);
        JsonPath done = ApiTestSupport.submitAndAwait(key, body);
        assertEquals("done", done.getString("state"), done::prettify);
        return done.getString("id");
    }

    /** Real jobs: Python that holds ~40 MiB and burns CPU for a while, and C with a compile warning. */
    private void realJobs(String key) {
        String py = """
                import time
                held, t = [], time.time()
                while time.time() - t < 0.5:
                    if len(held) < 40:
                        held.append(bytearray(1 << 20))
                    sum(range(20000))
                print('ok')
                """;
        for (int i = 0; i < 2; i++) {
            submitAndWait(
                    key,
                    Map.of(
                            "profile",
                            "python3",
                            "files",
                            List.of(Map.of("content", py)),
                            "tests",
                            List.of(Map.of("expected_output", "ok\n"))));
        }
        String c = "#include <stdio.h>\nint main(void){int unused; long s=0; for(long i=0;i<300000000L;i++) s+=i;"
                + " printf(\"%ld\\n\", s>0);}";
        submitAndWait(
                key,
                Map.of(
                        "profile",
                        "c",
                        "files",
                        List.of(Map.of("content", c)),
                        "tests",
                        List.of(Map.of("expected_output", "1\n"))));
    }

    /** A guessing game: Python guesser, the Kattis-style interactor in C (test resources of InteractiveJobIT). */
    private static Map<String, Object> interactiveJob() throws IOException {
        Path dir = Path.of(System.getProperty("proctor.project-dir", "."), "src/test/resources/interactive");
        String guesser = Files.readString(dir.resolve("guess.py"));
        String judge = Files.readString(dir.resolve("guess_kattis.c"));
        return Map.of(
                "profile",
                "python3",
                "files",
                List.of(Map.of("content", guesser)),
                "tests",
                List.of(Map.of("stdin", "77 25")),
                "interactor",
                Map.of(
                        "protocol",
                        "kattis",
                        "profile",
                        "c",
                        "files",
                        List.of(Map.of("content", judge)),
                        "limits",
                        ApiTestSupport.ROOMY));
    }

    private void shot(String name) throws IOException {
        Path tmp = ((org.openqa.selenium.TakesScreenshot) driver)
                .getScreenshotAs(OutputType.FILE)
                .toPath();
        Files.copy(tmp, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private WebElement chartWithData(String id) {
        return new WebDriverWait(driver, PAGE).until(d -> {
            WebElement el = d.findElement(By.id(id));
            String points = el.getAttribute("data-points");
            return points != null
                            && Integer.parseInt(points) > 0
                            && !el.findElements(By.tagName("canvas")).isEmpty()
                    ? el
                    : null;
        });
    }

    /** The element once the page (which may still be loading after a click) shows it. */
    private WebElement element(By by) {
        return new WebDriverWait(driver, PAGE)
                .until(d -> d.findElements(by).stream().findFirst().orElse(null));
    }

    private void login(String key) {
        driver.get(admin.toString());
        driver.findElement(By.id("key")).sendKeys(key);
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
    }

    @Test
    void adminSeesChartsOfRealJobsAndTimelines() throws IOException {
        realJobs(newClient("browser"));
        // history beyond the last hour, so widening the range shows more
        UsageFixtures f = new UsageFixtures(em, 11);
        long old = f.client("history-" + UUID.randomUUID().toString().substring(0, 6));
        Instant now = Instant.now();
        for (int i = 0; i < 20; i++) {
            f.job(old, UsageFixtures.PROFILES[i % 3], "node-old", now.minus(Duration.ofHours(30 + i * 5)), 2);
        }
        rollup.recompute(now.minus(Duration.ofDays(8)), now.plusSeconds(60));
        rollup.rollUp();

        login(ADMIN);
        new WebDriverWait(driver, PAGE).until(d -> d.getCurrentUrl().endsWith("/admin/overview"));
        assertEquals("Overview", driver.findElement(By.tagName("h1")).getText());
        WebElement cpu = chartWithData("chart-cpu");
        chartWithData("chart-memory");
        chartWithData("chart-verdicts");
        String byClient = cpu.getAttribute("data-series");
        String hourTotal = cpu.getAttribute("data-total");
        assertTrue(byClient.contains("browser-"), byClient);
        shot("overview");

        new Select(driver.findElement(By.id("group_by"))).selectByValue("profile");
        driver.findElement(By.id("apply")).click();
        new WebDriverWait(driver, PAGE).until(d -> d.getCurrentUrl().contains("group_by=profile"));
        String byProfile = chartWithData("chart-cpu").getAttribute("data-series");
        assertNotEquals(byClient, byProfile);
        assertTrue(byProfile.contains("python3") && byProfile.contains("c"), byProfile);

        new Select(driver.findElement(By.id("range"))).selectByValue("week");
        driver.findElement(By.id("apply")).click();
        new WebDriverWait(driver, PAGE).until(d -> d.getCurrentUrl().contains("range=week"));
        String weekTotal = chartWithData("chart-cpu").getAttribute("data-total");
        assertTrue(Double.parseDouble(weekTotal) > Double.parseDouble(hourTotal), hourTotal + " -> " + weekTotal);
        shot("overview-week-by-profile");

        // a real job from the top-CPU table, with sampled timelines
        new Select(driver.findElement(By.id("range"))).selectByValue("hour");
        driver.findElement(By.id("apply")).click();
        new WebDriverWait(driver, PAGE).until(d -> d.getCurrentUrl().contains("range=hour"));
        driver.findElement(By.cssSelector("#top-cpu tbody a")).click();
        new WebDriverWait(driver, PAGE).until(d -> d.getCurrentUrl().contains("/admin/jobs/"));
        WebElement timeline = new WebDriverWait(driver, PAGE)
                .until(d -> d.findElements(By.cssSelector("[data-timeline]")).stream()
                        .filter(e -> e.getAttribute("data-points") != null
                                && Integer.parseInt(e.getAttribute("data-points")) > 1)
                        .findFirst()
                        .orElse(null));
        assertTrue(!timeline.findElements(By.tagName("canvas")).isEmpty());
        assertTrue(driver.findElement(By.tagName("h1")).getText().startsWith("Job"));
        shot("job");

        // an interactive job's page shows what its interactor wrote for each test
        String interactive = submitAndWait(newClient("browser"), interactiveJob());
        driver.get(admin + "/jobs/" + interactive);
        WebElement feedback = element(By.id("h-feedback")).findElement(By.xpath(".."));
        assertTrue(feedback.getText().contains("judgemessage.txt"), feedback.getText());
        assertTrue(feedback.getText().contains("found in "), feedback.getText());
        shot("job-interactive");

        driver.findElement(By.linkText("Clients")).click();
        new WebDriverWait(driver, PAGE).until(d -> d.getCurrentUrl().endsWith("/admin/clients"));
        driver.findElement(By.xpath("//button[starts-with(text(), 'Create a key for browser-')]"))
                .click();
        assertTrue(element(By.id("issued-key")).getText().startsWith("pk_"));
        shot("clients");

        driver.findElement(By.cssSelector(".logout button")).click();
        new WebDriverWait(driver, PAGE).until(d -> d.findElements(By.id("key")).size() == 1);
        driver.get(admin + "/overview");
        assertTrue(driver.findElements(By.id("key")).size() == 1, "logged out: back to the login page");
    }

    @Test
    void problemsPageShowsEachTestsResourceUseAgainstTheLimit() throws IOException {
        ProblemFixtures.Seeded p = ProblemFixtures.seed(em);
        login(ADMIN);
        new WebDriverWait(driver, PAGE).until(d -> d.getCurrentUrl().endsWith("/admin/overview"));
        driver.findElement(By.linkText("Problems")).click();
        new WebDriverWait(driver, PAGE).until(d -> d.getCurrentUrl().endsWith("/admin/problems"));
        assertEquals("Problems", driver.findElement(By.tagName("h1")).getText());
        WebElement row = element(By.linkText(p.name())).findElement(By.xpath("ancestor::tr"));
        List<String> cells = row.findElements(By.tagName("td")).stream()
                .map(WebElement::getText)
                .toList();
        assertEquals(List.of(p.owner(), "1", "5", Formats.bytes(p.totalBytes()), "10"), cells);
        shot("problems");

        row.findElement(By.linkText(p.name())).click();
        new WebDriverWait(driver, PAGE).until(d -> d.getCurrentUrl().endsWith("/admin/problems/" + p.id()));
        assertTrue(driver.findElement(By.tagName("h1")).getText().contains(p.name()));
        assertEquals(
                1, driver.findElements(By.cssSelector("#versions tbody tr")).size());
        assertEquals(5, driver.findElements(By.cssSelector("#groups tbody tr")).size());
        assertEquals(5, driver.findElements(By.cssSelector("#tests tbody tr")).size());

        WebElement slow = driver.findElement(By.cssSelector("tr[data-test='" + ProblemFixtures.SLOW_TEST + "']"));
        assertEquals("10", cell(slow, "runs"));
        assertEquals("1000.0 ms", cell(slow, "cpu-max"));
        assertEquals("900.0 ms", cell(slow, "cpu-p90"));
        assertEquals("100 %", cell(slow, "share-max"));
        assertEquals("90 %", cell(slow, "share-p90"));
        assertEquals("3", cell(slow, "close-runs"));
        assertEquals("100.0 MiB", cell(slow, "mem-max"));
        assertEquals("90.0 MiB", cell(slow, "mem-p90"));
        assertEquals("accepted 9, time_limit_exceeded 1", cell(slow, "verdicts"));
        assertTrue(slow.getAttribute("class").contains("close-to-limit"));
        assertTrue(slow.findElement(By.tagName("th")).getText().contains("close to the limit"));

        WebElement quick = driver.findElement(By.cssSelector("tr[data-test='" + ProblemFixtures.QUICK_TEST + "']"));
        assertEquals("5 %", cell(quick, "share-max"));
        assertEquals("8.0 MiB", cell(quick, "mem-max"));
        assertTrue(!quick.getAttribute("class").contains("close-to-limit"));
        WebElement sample = driver.findElement(By.cssSelector("tr[data-test='sample/1']"));
        assertEquals("0", cell(sample, "runs"));
        shot("problem");
    }

    private static String cell(WebElement row, String column) {
        return row.findElement(By.cssSelector("td[data-col='" + column + "']")).getText();
    }

    @Test
    void clientKeyCannotLogIn() throws IOException {
        login(newClient("refused"));
        WebElement error = element(By.id("login-error"));
        assertTrue(error.getText().contains("client key"), error.getText());
        shot("login-refused");
        driver.get(admin + "/overview");
        assertEquals(1, driver.findElements(By.id("key")).size(), "no session: the login page again");
    }
}
