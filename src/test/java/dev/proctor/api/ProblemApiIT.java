package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClient;
import static dev.proctor.api.ApiTestSupport.newClientKey;
import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.problems.Archives;
import dev.proctor.problems.ProblemService;
import dev.proctor.problems.TestFileCache;
import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.RealSandboxProfile;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /api/v1/problems through the real HTTP stack, PostgreSQL and sandbox (the input validator of the plain
 * package runs in it): upload as tar.gz and zip, the same content again, a new version, visibility across
 * clients, an admin's share, delete, input validators refusing data, and the per-route body cap.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(RealSandboxProfile.class)
class ProblemApiIT {

    @Inject
    ProblemService service;

    @Inject
    EntityManager em;

    @Inject
    dev.proctor.problems.BlobStore blobs;

    @Inject
    dev.proctor.problems.ProblemStore problems;

    @BeforeAll
    static void root() {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
    }

    private static byte[] plainTarGz() {
        return Archives.tarGz(Archives.of(Archives.resource("plain"), "add-two/"));
    }

    private static JsonPath upload(String key, byte[] body, String query, int status) {
        return given().auth()
                .oauth2(key)
                .contentType("application/gzip")
                .body(body)
                .post("/api/v1/problems" + query)
                .then()
                .statusCode(status)
                .extract()
                .jsonPath();
    }

    @Test
    void uploadGetVersionsAndTheSameContentAgain() {
        String key = newClientKey();
        JsonPath up = upload(key, plainTarGz(), "", 201);
        String id = up.getString("problem.id");
        assertEquals("add-two", up.getString("problem.name"));
        assertEquals(1, up.getInt("version.version"));
        assertTrue(up.getBoolean("version.created"));

        JsonPath p = given().auth()
                .oauth2(key)
                .get("/api/v1/problems/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals("Add Two", p.getString("title"));
        assertEquals("legacy", p.getString("format_version"));
        assertEquals(List.of("pass-fail"), p.getList("type"));
        assertEquals(4.0f, p.getFloat("limits.ac_to_time_limit"));
        // no time_limit written: derived at upload from the accepted C and Python submissions (Ruby: no profile),
        // slowest CPU time × 4 rounded up to the 1 s resolution
        assertNull(p.get("limits.time_limit_s"));
        int slowest = p.getInt("limits.slowest_accepted_ms");
        assertTrue(slowest >= 0 && slowest < 10_000, p.prettify());
        assertEquals(
                Math.max(1, Math.ceil(slowest * 4 / 1000.0 - 1e-9)), p.getDouble("limits.derived_time_limit_s"), 1e-9);
        assertEquals(4, p.getList("tests").size());
        assertEquals("secret/02-big", p.getString("tests[2].name"));
        assertEquals(22, p.getInt("tests[2].input.size"));
        assertEquals(64, p.getString("tests[2].input.sha256").length());
        assertEquals("data/secret", p.getString("tests[2].group"));
        assertEquals(List.of("input_validators/range"), p.getList("input_validators"));

        // the same files as a zip without the wrapping folder: the same version, nothing added
        JsonPath again = given().auth()
                .oauth2(key)
                .contentType("application/zip")
                .body(Archives.zip(Archives.of(Archives.resource("plain"), "")))
                .post("/api/v1/problems?name=add-two")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(1, again.getInt("version.version"));
        assertEquals(false, again.getBoolean("version.created"));

        // one answer changed: version 2, and the name finds the problem too
        List<Archives.Entry> changed = new ArrayList<>(Archives.of(Archives.resource("plain"), ""));
        changed.add(Archives.Entry.file("data/secret/04.in", "2 2\n".getBytes(StandardCharsets.US_ASCII)));
        changed.add(Archives.Entry.file("data/secret/04.ans", "4\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(
                2, upload(key, Archives.tarGz(changed), "?name=add-two", 201).getInt("version.version"));
        given().auth()
                .oauth2(key)
                .get("/api/v1/problems/add-two/versions")
                .then()
                .statusCode(200)
                .body("$", hasSize(2))
                .body("[1].version", equalTo(2));
        given().auth()
                .oauth2(key)
                .get("/api/v1/problems/add-two?version=1")
                .then()
                .statusCode(200)
                .body("tests", hasSize(4))
                .body("latest_version", equalTo(2));
        given().auth().oauth2(key).get("/api/v1/problems/add-two").then().body("tests", hasSize(5));
        given().auth()
                .oauth2(key)
                .get("/api/v1/problems/add-two?version=x")
                .then()
                .statusCode(400)
                .body("field", equalTo("version"));
        given().auth()
                .oauth2(key)
                .get("/api/v1/problems/add-two?version=9")
                .then()
                .statusCode(404);
    }

    @Test
    void otherClientsSeeNothingUntilAnAdminShares() {
        String owner = newClientKey();
        Map<String, Object> other = newClient(Map.of());
        String otherKey = (String) other.get("key");
        String id = upload(owner, Archives.tarGz(Archives.of(Archives.resource("floats"), "")), "?name=roots", 201)
                .getString("problem.id");
        given().auth().oauth2(otherKey).get("/api/v1/problems/" + id).then().statusCode(404);
        given().auth().oauth2(otherKey).delete("/api/v1/problems/" + id).then().statusCode(404);
        given().auth()
                .oauth2(otherKey)
                .get("/api/v1/problems")
                .then()
                .statusCode(200)
                .body("$", hasSize(0));
        given().auth()
                .oauth2(owner)
                .contentType(ContentType.JSON)
                .body(Map.of("client_id", other.get("client_id")))
                .post("/api/v1/problems/" + id + "/shares")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(ApiTestSupport.ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("client_id", other.get("client_id")))
                .post("/api/v1/problems/" + id + "/shares")
                .then()
                .statusCode(204);
        given().auth()
                .oauth2(otherKey)
                .get("/api/v1/problems/" + id)
                .then()
                .statusCode(200)
                .body("name", equalTo("roots"));
        given().auth().oauth2(otherKey).delete("/api/v1/problems/" + id).then().statusCode(403);
        given().auth().oauth2(owner).delete("/api/v1/problems/" + id).then().statusCode(204);
        given().auth().oauth2(owner).get("/api/v1/problems/" + id).then().statusCode(404);
        given().auth().oauth2(otherKey).get("/api/v1/problems/" + id).then().statusCode(404);
    }

    @Test
    void inputValidatorsRefuseBadDataWithTheirMessage() {
        String key = newClientKey();
        List<Archives.Entry> bad = new ArrayList<>(Archives.of(Archives.resource("plain"), ""));
        bad.add(Archives.Entry.file("data/secret/05.in", "1 2 3\n".getBytes(StandardCharsets.US_ASCII)));
        bad.add(Archives.Entry.file("data/secret/05.ans", "6\n".getBytes(StandardCharsets.US_ASCII)));
        given().auth()
                .oauth2(key)
                .contentType("application/gzip")
                .body(Archives.tarGz(bad))
                .post("/api/v1/problems?name=bad")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("field", equalTo("data/secret/05.in"))
                .body("detail", containsString("expected two integers"));
        given().auth().oauth2(key).get("/api/v1/problems/bad").then().statusCode(404);
    }

    @Test
    void refusalsNameTheirField() {
        String key = newClientKey();
        given().auth()
                .oauth2(key)
                .body("not an archive".getBytes(StandardCharsets.US_ASCII))
                .contentType("application/octet-stream")
                .post("/api/v1/problems")
                .then()
                .statusCode(422)
                .body("field", equalTo("body"));
        given().auth()
                .oauth2(key)
                .body(plainTarGz())
                .contentType("application/gzip")
                .post("/api/v1/problems?name=Bad/Name")
                .then()
                .statusCode(400)
                .body("field", equalTo("name"));
        List<Archives.Entry> noAns = List.of(
                Archives.Entry.file("problem.yaml", "name: x\n".getBytes(StandardCharsets.US_ASCII)),
                Archives.Entry.file("data/secret/1.in", "1\n".getBytes(StandardCharsets.US_ASCII)));
        given().auth()
                .oauth2(key)
                .body(Archives.zip(noAns))
                .contentType("application/zip")
                .post("/api/v1/problems")
                .then()
                .statusCode(422)
                .body("field", equalTo("data/secret/1.in"));
        // other routes keep their 16 MiB cap although an upload may be gigabytes
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(new byte[17 * 1024 * 1024])
                .post("/api/v1/jobs")
                .then()
                .statusCode(413)
                .body("field", equalTo("body"));
    }

    private static Map<String, Object> job(String profile, String file, String source, String problem) {
        return Map.of(
                "profile", profile, "files", List.of(Map.of("path", file, "content", source)), "problem", problem);
    }

    @Test
    void jobsAgainstProblems() throws IOException {
        String key = newClientKey();
        upload(key, plainTarGz(), "?name=add", 201);
        upload(key, Archives.tarGz(Archives.of(Archives.resource("floats"), "")), "?name=roots", 201);
        upload(key, Archives.tarGz(Archives.of(Archives.resource("groups"), "")), "?name=largest", 201);
        Path plain = Archives.resource("plain/submissions");
        JsonPath ok = ApiTestSupport.submitAndAwait(
                key, job("python3", "main.py", Files.readString(plain.resolve("accepted/add.py")), "add"));
        assertEquals("accepted", ok.getString("verdict"), ok.prettify());
        assertEquals(4, ok.getList("tests").size());
        assertEquals("secret/02-big", ok.getString("tests[2].name"));
        JsonPath wa = ApiTestSupport.submitAndAwait(
                key, job("c", "main.c", Files.readString(plain.resolve("wrong_answer/overflow.c")), "add"));
        assertEquals("wrong_answer", wa.getString("verdict"), wa.prettify());
        // ICPC: the first failure ends the job (sample and 01-zero pass, 02-big fails)
        assertEquals(3, wa.getList("tests").size());
        assertTrue(wa.getString("tests[2].message").contains("token 1"), wa.prettify());

        // the package's own validator, with its feedback kept as the test's message
        Path floats = Archives.resource("floats/submissions");
        JsonPath half = ApiTestSupport.submitAndAwait(
                key, job("python3", "main.py", Files.readString(floats.resolve("wrong_answer/half.py")), "roots"));
        assertEquals("wrong_answer", half.getString("verdict"), half.prettify());
        assertEquals("accepted", half.getString("tests[0].verdict"), half.prettify());
        assertTrue(half.getString("tests[1].message").contains("squared is not"), half.prettify());
        JsonPath neg = ApiTestSupport.submitAndAwait(
                key, job("python3", "main.py", Files.readString(floats.resolve("accepted/negative.py")), "roots"));
        assertEquals("accepted", neg.getString("verdict"), neg.prettify());

        // scoring groups: 30 of 100 for the float solution, every group graded
        Path groups = Archives.resource("groups/submissions");
        JsonPath part = ApiTestSupport.submitAndAwait(
                key,
                job("python3", "main.py", Files.readString(groups.resolve("partially_accepted/float.py")), "largest"));
        assertEquals(30.0f, part.getFloat("score"), part.prettify());
        assertEquals(5, part.getList("tests").size());
        assertEquals("data/secret/group1", part.getString("groups[3].name"), part.prettify());
        assertEquals(30.0f, part.getFloat("groups[3].score"));
        assertEquals("accepted", part.getString("groups[3].verdict"));
        assertEquals(0.0f, part.getFloat("groups[4].score"));
        assertEquals(70.0f, part.getFloat("groups[4].max_score"));
        assertEquals("wrong_answer", part.getString("groups[4].verdict"));

        // refusals name the field
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "profile",
                        "python3",
                        "files",
                        List.of(Map.of("path", "main.py", "content", "print(1)")),
                        "problem",
                        "add",
                        "tests",
                        List.of(Map.of("stdin", "1"))))
                .post("/api/v1/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("tests"));
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(job("python3", "main.py", "print(1)", "nonexistent"))
                .post("/api/v1/jobs")
                .then()
                .statusCode(422)
                .body("field", equalTo("problem"));
        given().auth()
                .oauth2(newClientKey())
                .contentType(ContentType.JSON)
                .body(job("python3", "main.py", "print(1)", "add"))
                .post("/api/v1/jobs")
                .then()
                .statusCode(422)
                .body("field", equalTo("problem"));
    }

    @Test
    void interactiveProblemsAndTheRunsOfProblemJobs() throws IOException {
        String key = newClientKey();
        upload(key, Archives.tarGz(Archives.of(Archives.resource("guessing"), "")), "?name=guess", 201);
        Path subs = Archives.resource("guessing/submissions");
        JsonPath ok = ApiTestSupport.submitAndAwait(
                key, job("c", "main.c", Files.readString(subs.resolve("accepted/bisect.c")), "guess"));
        assertEquals("accepted", ok.getString("verdict"), ok.prettify());
        // the .interaction sample documents the protocol and is not run; the .in/.ans sample is
        assertEquals(6, ok.getList("tests").size(), ok.prettify());
        assertEquals("sample/1", ok.getString("tests[0].name"));
        assertEquals("secret/03", ok.getString("tests[3].name"));
        assertEquals(42, ok.getInt("tests[3].interactor.exit_code"), ok.prettify());
        assertTrue(ok.getString("tests[3].message").startsWith("found in"), ok.prettify());

        JsonPath wa = ApiTestSupport.submitAndAwait(
                key, job("python3", "main.py", Files.readString(subs.resolve("wrong_answer/linear.py")), "guess"));
        assertEquals("wrong_answer", wa.getString("verdict"), wa.prettify());
        assertTrue(wa.getString("tests[-1].message").contains("no more guesses"), wa.prettify());
        assertEquals(43, wa.getInt("tests[-1].interactor.exit_code"), wa.prettify());

        JsonPath tle = ApiTestSupport.submitAndAwait(
                key, job("python3", "main.py", Files.readString(subs.resolve("time_limit_exceeded/spin.py")), "guess"));
        assertEquals("time_limit_exceeded", tle.getString("verdict"), tle.prettify());
        JsonPath rte = ApiTestSupport.submitAndAwait(
                key, job("c", "main.c", Files.readString(subs.resolve("run_time_error/crash.c")), "guess"));
        assertEquals("runtime_error", rte.getString("verdict"), rte.prettify());
        assertEquals("SIGABRT", rte.getString("tests[0].signal"), rte.prettify());
        // what the submission wrote to stderr is kept in the test
        assertEquals("giving up\n", rte.getString("tests[0].stderr"), rte.prettify());

        // runs rows like inline jobs': the compile step, one test run and one judge run per test, named by
        // the test's path below data/; the dashboard finds them by jobs.request -> 'problem' ->> 'id'
        UUID id = UUID.fromString(ok.getString("id"));
        List<?> runs = QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery("""
                                SELECT r.kind || ':' || r.seq || ':' || coalesce(r.test_name, '') FROM runs r
                                JOIN jobs j ON j.id = r.job_id
                                WHERE r.job_id = ?1 AND j.request -> 'problem' ->> 'id' IS NOT NULL
                                  AND r.cpu_time_us IS NOT NULL
                                ORDER BY r.kind, r.seq""").setParameter(1, id).getResultList());
        List<String> expected = new ArrayList<>();
        List<String> names = List.of("sample/1", "secret/01", "secret/02", "secret/03", "secret/04", "secret/05");
        for (String kind : List.of("checker", "compile", "test")) {
            if (kind.equals("compile")) {
                expected.add("compile:0:");
                continue;
            }
            for (int i = 0; i < names.size(); i++) {
                expected.add(kind + ":" + i + ":" + names.get(i));
            }
        }
        assertEquals(expected, runs);

        // a plain problem's runs: its tests, and its stdout kept in each outcome
        upload(key, plainTarGz(), "?name=add", 201);
        JsonPath add = ApiTestSupport.submitAndAwait(
                key,
                job(
                        "python3",
                        "main.py",
                        Files.readString(Archives.resource("plain/submissions/accepted/add.py")),
                        "add"));
        assertEquals("accepted", add.getString("verdict"), add.prettify());
        assertEquals(
                Files.readString(Archives.resource("plain/data/secret/03.ans")),
                add.getString("tests[3].stdout"),
                add.prettify());
        List<?> tests = QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery(
                                "SELECT test_name FROM runs WHERE job_id = ?1 AND kind = 'test' ORDER BY seq")
                        .setParameter(1, UUID.fromString(add.getString("id")))
                        .getResultList());
        assertEquals(List.of("sample/01", "secret/01-zero", "secret/02-big", "secret/03"), tests);
        // every run records the memory limit it ran with: the package's 256 MiB for the tests (V33)
        List<?> limits = QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery("SELECT DISTINCT kind || ':' || coalesce(memory_limit_bytes, 0)"
                                + " FROM runs WHERE job_id = ?1 ORDER BY 1")
                        .setParameter(1, UUID.fromString(add.getString("id")))
                        .getResultList());
        assertTrue(limits.contains("test:" + 256L * 1024 * 1024), limits.toString());
        assertTrue(limits.stream().noneMatch(l -> l.toString().endsWith(":0")), limits.toString());
    }

    @Test
    void theCacheFillsFromPostgresAndVerifies() throws IOException {
        String key = newClientKey();
        String id = upload(key, plainTarGz(), "?name=cached", 201).getString("problem.id");
        JsonPath p = given().auth()
                .oauth2(key)
                .get("/api/v1/problems/" + id)
                .then()
                .extract()
                .jsonPath();
        String digest = p.getString("tests[2].input.sha256");
        long size = p.getLong("tests[2].input.size");
        TestFileCache cache = service.cache();
        TestFileCache.Stats before = cache.stats();
        try (TestFileCache.Lease a = cache.get(digest, size);
                TestFileCache.Lease b = cache.get(digest, size)) {
            assertEquals(a.path(), b.path());
            assertArrayEquals(
                    Files.readAllBytes(Archives.resource("plain").resolve("data/secret/02-big.in")),
                    Files.readAllBytes(a.path()));
        }
        TestFileCache.Stats after = cache.stats();
        assertTrue(after.misses() - before.misses() <= 1);
        assertTrue(after.hits() - before.hits() >= 1);
        try (TestFileCache.Lease c = cache.get(digest, size)) {
            assertTrue(Files.exists(c.path()));
        }
    }

    private static byte[] sharing(byte[] shared, String tag) {
        return Archives.tarGz(List.of(
                Archives.Entry.file("problem.yaml", ("name: " + tag + "\n").getBytes(StandardCharsets.US_ASCII)),
                Archives.Entry.file("data/secret/1.in", shared),
                Archives.Entry.file("data/secret/1.ans", "1\n".getBytes(StandardCharsets.US_ASCII)),
                Archives.Entry.file("data/secret/2.in", tag.getBytes(StandardCharsets.US_ASCII)),
                Archives.Entry.file("data/secret/2.ans", tag.getBytes(StandardCharsets.US_ASCII))));
    }

    /**
     * A problem is deleted while another client's upload sharing a file with it is under way: two threads
     * against the real PostgreSQL, started together by a barrier, a fresh shared file each round (so each delete
     * has it to remove): every upload and delete succeeds and every version's files read back whole.
     */
    @Test
    void deletesRacingUploadsThatShareFilesLoseNothing() throws Exception {
        Map<String, Object> a = newClient(Map.of());
        Map<String, Object> b = newClient(Map.of());
        dev.proctor.auth.Caller deleter =
                new dev.proctor.auth.Caller((Long) a.get("client_id"), "a", false, (Long) a.get("key_id"));
        dev.proctor.auth.Caller uploader =
                new dev.proctor.auth.Caller((Long) b.get("client_id"), "b", false, (Long) b.get("key_id"));
        java.util.Random random = new java.util.Random(12);
        List<byte[]> shared = new ArrayList<>();
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 60; i++) {
                byte[] x = new byte[4096 + random.nextInt(64 * 1024)];
                random.nextBytes(x);
                shared.add(x);
                service.upload(deleter, "victim", new java.io.ByteArrayInputStream(sharing(x, "victim" + i)));
                byte[] keeper = sharing(x, "keeper" + i);
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
                java.util.concurrent.Future<?> delete = two.submit(() -> {
                    start.await();
                    service.delete(deleter, "victim");
                    return null;
                });
                java.util.concurrent.Future<ProblemService.Upload> up = two.submit(() -> {
                    start.await();
                    return service.upload(uploader, "keeper", new java.io.ByteArrayInputStream(keeper));
                });
                delete.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(up.get(60, java.util.concurrent.TimeUnit.SECONDS).created(), "upload " + i);
            }
        } finally {
            two.shutdownNow();
        }
        assertEquals(60, service.versions(uploader, "keeper").size());
        for (byte[] x : shared) {
            java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
            assertTrue(blobs.copyTo(sha256(x), back), "a shared file is gone");
            assertArrayEquals(x, back.toByteArray());
        }
    }

    /**
     * The interleaving that failed an upload before: it finds a shared file stored, a delete then removes it,
     * and only then does the upload add its version. The version's transaction finds the file missing and the
     * upload stores it again.
     */
    @Test
    void aFileDeletedBetweenStoringAndAddingTheVersionIsStoredAgain() throws Exception {
        Map<String, Object> a = newClient(Map.of());
        dev.proctor.auth.Caller caller =
                new dev.proctor.auth.Caller((Long) a.get("client_id"), "a", false, (Long) a.get("key_id"));
        byte[] x = "shared between two problems\n".getBytes(StandardCharsets.US_ASCII);
        service.upload(caller, "first", new java.io.ByteArrayInputStream(sharing(x, "first")));
        Path work = Files.createTempDirectory("race");
        try {
            dev.proctor.problems.PackageImport.Unpacked second = dev.proctor.problems.PackageImport.unpack(
                    new java.io.ByteArrayInputStream(sharing(x, "second")),
                    work,
                    dev.proctor.problems.ArchiveLimits.defaults());
            dev.proctor.problems.PackageImport.store(second, blobs); // x is there: nothing written
            service.delete(caller, "first"); // x is used by no version now: deleted
            assertTrue(!blobs.exists(sha256(x)));
            dev.proctor.problems.ProblemStore.BlobsMissing missing = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.proctor.problems.ProblemStore.BlobsMissing.class,
                    () -> problems.addVersion(caller.clientId(), "second", second.pkg(), java.util.Optional.empty()));
            assertTrue(missing.digests().contains(sha256(x)));
            dev.proctor.problems.PackageImport.store(second, blobs);
            assertTrue(problems.addVersion(caller.clientId(), "second", second.pkg(), java.util.Optional.empty())
                    .created());
        } finally {
            try (var walk = Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String sha256(byte[] x) throws java.security.NoSuchAlgorithmException {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(x));
    }
}
