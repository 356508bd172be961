package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClientKey;
import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.RealSandboxProfile;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Inline interactive jobs through the HTTP API, the queue and the real sandbox: a guessing game
 * between the job's program and its interactor, each in its own sandbox.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(RealSandboxProfile.class)
class InteractiveJobIT {

    @Inject
    EntityManager em;

    @BeforeAll
    static void root() {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
    }

    static String resource(String name) {
        Path p = Path.of(System.getProperty("proctor.project-dir", "."))
                .resolve("src/test/resources/interactive/" + name);
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> job(String profile, String source, Map<String, Object> interactor, String... inputs) {
        Map<String, Object> m = new HashMap<>();
        m.put("profile", profile);
        m.put("files", List.of(Map.of("content", source)));
        m.put("limits", ApiTestSupport.ROOMY);
        m.put(
                "tests",
                java.util.Arrays.stream(inputs).map(i -> Map.of("stdin", i)).toList());
        m.put("interactor", interactor);
        return m;
    }

    static Map<String, Object> interactor(String protocol, String profile, String source) {
        return Map.of(
                "protocol",
                protocol,
                "profile",
                profile,
                "files",
                List.of(Map.of("content", source)),
                "limits",
                ApiTestSupport.ROOMY);
    }

    @Test
    void aGuesserIsAcceptedByAKattisInteractorInC() {
        JsonPath r = ApiTestSupport.submitAndAwait(
                newClientKey(),
                job(
                        "python3",
                        resource("guess.py"),
                        interactor("kattis", "c", resource("guess_kattis.c")),
                        "123456 25",
                        "1 25",
                        "1000000 25"));
        assertEquals("accepted", r.getString("verdict"), r::prettify);
        assertEquals(3, r.getList("tests").size());
        assertEquals(42, r.getInt("tests[0].interactor.exit_code"), r::prettify);
        assertEquals("judgemessage.txt", r.getString("tests[0].interactor.feedback[0].name"), r::prettify);
        assertTrue(r.getString("tests[0].interactor.feedback[0].content").startsWith("found in "), r::prettify);
        assertEquals("", r.getString("tests[0].stdout"), "the program's stdout went to the interactor");
        // the interactor's runs are recorded as the tests' checker runs, after its compile step
        UUID id = UUID.fromString(r.getString("id"));
        List<?> kinds = QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery("SELECT kind || ':' || seq FROM runs WHERE job_id = ?1 ORDER BY 1")
                        .setParameter(1, id)
                        .getResultList());
        assertEquals(List.of("checker:-1", "checker:0", "checker:1", "checker:2", "test:0", "test:1", "test:2"), kinds);
    }

    @Test
    void aTestlibInteractorJudgesWrongAnswersAndAnInteractorCrashIsAnInternalError() {
        String stubborn = "import os, sys\ntry:\n    while True:\n        print(1, flush=True)\n"
                + "        if not sys.stdin.readline():\n            break\nexcept BrokenPipeError:\n    pass\nos._exit(0)\n";
        JsonPath wa = ApiTestSupport.submitAndAwait(
                newClientKey(),
                job("python3", stubborn, interactor("testlib", "python3", resource("guess_testlib.py")), "5 10"));
        assertEquals("wrong_answer", wa.getString("verdict"), wa::prettify);
        assertEquals(1, wa.getInt("tests[0].interactor.exit_code"));
        assertEquals(
                "wrong answer: not found in 10 guesses\n",
                wa.getString("tests[0].interactor.feedback[0].content"),
                wa::prettify);

        JsonPath crash = ApiTestSupport.submitAndAwait(
                newClientKey(),
                job(
                        "python3",
                        resource("guess.py"),
                        interactor("kattis", "c", resource("guess_kattis.c")),
                        "77 25 crash"));
        assertEquals("internal_error", crash.getString("verdict"), crash::prettify);
        assertEquals("SIGABRT", crash.getString("tests[0].interactor.signal"), crash::prettify);
        assertTrue(crash.getString("tests[0].message").contains("killed by SIGABRT"), crash::prettify);
    }

    @Test
    void aSubmissionOverItsTimeLimitKeepsItsVerdict() {
        Map<String, Object> j = job(
                "python3", "while True:\n    pass\n", interactor("kattis", "c", resource("guess_kattis.c")), "5 10");
        j.put("limits", Map.of("cpu_time_ms", 500, "wall_time_ms", 30_000));
        JsonPath r = ApiTestSupport.submitAndAwait(newClientKey(), j);
        assertEquals("time_limit_exceeded", r.getString("verdict"), r::prettify);
        assertEquals(43, r.getInt("tests[0].interactor.exit_code"), r::prettify);
    }

    @Test
    void anInteractorThatDoesNotCompileIsAnInternalErrorWithTheCompilersWords() {
        JsonPath r = ApiTestSupport.submitAndAwait(
                newClientKey(), job("python3", resource("guess.py"), interactor("kattis", "c", "int main( {"), "5 10"));
        assertEquals("internal_error", r.getString("verdict"), r::prettify);
        assertTrue(r.getString("error").startsWith("the interactor did not compile (runtime_error): "), r::prettify);
        assertTrue(r.getString("error").contains("error"), r::prettify);
        assertEquals(0, r.getList("tests").size());
    }
}
