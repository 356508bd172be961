package dev.proctor.dashboard;

import static dev.proctor.dashboard.ProblemFixtures.MIB;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.FakeSandboxProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The problems pages' queries over a problem uploaded through the API and its submissions' runs rows. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class ProblemsQueriesTest {

    @Inject
    EntityManager em;

    @Inject
    ProblemsQueries queries;

    @TestHTTPResource("/")
    URL root;

    private ProblemFixtures.Seeded seeded;

    @BeforeEach
    void data() {
        seeded = ProblemFixtures.seed(em);
    }

    @Test
    void listCountsTestsBytesAndOnlyThisProblemsSubmissions() {
        ProblemsQueries.ProblemSummary s = queries.problems().stream()
                .filter(p -> p.id().equals(seeded.id()))
                .findFirst()
                .orElseThrow();
        assertEquals(seeded.name(), s.name());
        assertEquals(seeded.owner(), s.owner());
        assertEquals(1, s.latestVersion());
        assertEquals(5, s.tests(), "sample/1 and two tests in each of two secret groups");
        assertEquals(seeded.totalBytes(), s.bytes());
        assertEquals(ProblemFixtures.SUBMISSIONS, s.submissions());
    }

    @Test
    void perTestFiguresOverTheProblemsRuns() {
        ProblemsQueries.ProblemDetail d = queries.problem(seeded.id(), null).orElseThrow();
        assertEquals(1, d.version());
        assertEquals("Largest", d.title());
        assertEquals(1, d.versions().size());
        assertEquals(
                List.of("data", "data/sample", "data/secret", "data/secret/group1", "data/secret/group2"),
                d.groups().stream().map(ProblemsQueries.GroupRow::name).toList());
        ProblemsQueries.GroupRow group1 = d.groups().get(3);
        assertEquals(2, group1.tests());
        assertEquals(
                List.of("sample/1", "secret/group1/1", "secret/group1/2", "secret/group2/1", "secret/group2/2"),
                d.tests().stream().map(ProblemsQueries.TestRow::name).toList());

        ProblemsQueries.TestRow slow = test(d, ProblemFixtures.SLOW_TEST);
        assertTrue(slow.inputBytes() > 0 && slow.answerBytes() > 0);
        assertEquals(12, slow.inputPrefix().length());
        ProblemsQueries.TestUsage u = slow.usage();
        assertEquals(10, u.runs(), "the job of another problem does not count");
        assertEquals(1_000_000, u.maxCpuUs());
        assertEquals(900_000, u.p90CpuUs(), "the 9th of 10 sorted values");
        assertEquals(100 * MIB, u.maxMemoryBytes());
        assertEquals(90 * MIB, u.p90MemoryBytes());
        assertEquals(1.0, u.maxTimeShare(), 1e-9);
        assertEquals(0.9, u.p90TimeShare(), 1e-9);
        assertEquals(3, u.runsCloseToLimit(), "800, 900 and 1000 ms of 1000");
        assertEquals(Map.of("accepted", 9L, "time_limit_exceeded", 1L), u.verdicts());
        assertTrue(slow.close());
        assertEquals("100 %", u.maxShare());
        // peak memory over the memory limit each run recorded (V33)
        assertEquals(100.0 / 110, u.maxMemoryShare(), 1e-9);
        assertEquals(90.0 / 110, u.p90MemoryShare(), 1e-9);
        assertEquals(2, u.runsCloseToMemoryLimit(), "100 and 90 MiB of 110 MiB");
        assertEquals("91 %", u.maxMemShare());

        ProblemsQueries.TestRow quick = test(d, ProblemFixtures.QUICK_TEST);
        assertEquals(10, quick.usage().runs());
        assertEquals(0.05, quick.usage().maxTimeShare(), 1e-9);
        assertEquals(0, quick.usage().runsCloseToLimit());
        assertEquals(8.0 / 256, quick.usage().maxMemoryShare(), 1e-9);
        assertEquals(0, quick.usage().runsCloseToMemoryLimit());
        assertFalse(quick.close());
        assertNull(test(d, "sample/1").usage(), "no runs of the sample");
    }

    /** The filter the queries use is the indexed expression (V31): with sequential scans off, the plan uses it. */
    @Test
    void jobsOfAProblemAreFoundThroughTheIndex() {
        String plan = QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery("SET LOCAL enable_seqscan = off").executeUpdate();
            @SuppressWarnings("unchecked")
            List<String> lines = em.createNativeQuery(
                            "EXPLAIN SELECT count(*) FROM jobs j WHERE j.request -> 'problem' ->> 'id' = ?1")
                    .setParameter(1, seeded.id().toString())
                    .getResultList();
            return String.join("\n", lines);
        });
        assertTrue(plan.contains("jobs_problem"), plan);
    }

    @Test
    void unknownProblemOrVersionIsEmpty() {
        assertTrue(queries.problem(UUID.randomUUID(), null).isEmpty());
        assertTrue(queries.problem(seeded.id(), 2).isEmpty());
    }

    @Test
    void pagesRenderForAnAdminSession() {
        String session = given().redirects()
                .follow(false)
                .header("Origin", "http://" + root.getAuthority())
                .formParam("key", ProblemFixtures.ADMIN)
                .post("/admin/login")
                .then()
                .statusCode(303)
                .extract()
                .cookie(DashboardFilter.COOKIE);
        given().cookie(DashboardFilter.COOKIE, session)
                .get("/admin/problems")
                .then()
                .statusCode(200)
                .body(containsString("href=\"/admin/problems/" + seeded.id() + "\""));
        given().cookie(DashboardFilter.COOKIE, session)
                .get("/admin/problems/" + seeded.id())
                .then()
                .statusCode(200)
                .body(containsString("close to the limit"))
                .body(containsString("<th scope=\"col\">CPU p90</th>"))
                .body(containsString("<th scope=\"col\">Memory limit used, max</th>"))
                .body(containsString("data-col=\"mem-share-max\">91 %</td>"));
        for (String bad :
                List.of(UUID.randomUUID().toString(), "x", seeded.id() + "?version=7", seeded.id() + "?version=x")) {
            given().cookie(DashboardFilter.COOKIE, session)
                    .get("/admin/problems/" + bad)
                    .then()
                    .statusCode(404);
        }
    }

    private static ProblemsQueries.TestRow test(ProblemsQueries.ProblemDetail d, String name) {
        return d.tests().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }
}
