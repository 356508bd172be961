package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClient;
import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.RealSandboxProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every language profile through the API and the real sandbox: hello world, a sum of 10^5 integers,
 * a compile error, a runtime error, a CPU-time limit and a memory limit each; compilers that try to
 * hurt the node; versions and unbuilt images in GET /profiles. Each test submits its jobs at once,
 * so runs overlap on the slots.
 *
 * <p>No case depends on the speed of the machine: a case that expects one limit to trigger sets it
 * and gives every other limit the profile's maximum ({@link ApiTestSupport#ROOMY}), many times what
 * the program needs to reach the one it tests; every other case runs within the maximums too. A
 * busy machine only makes the jobs wait longer for a slot.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(RealSandboxProfile.class)
class LanguagesIT {

    private static final int N = 100_000;
    private static final String NUMBERS =
            IntStream.rangeClosed(1, N).mapToObj(Integer::toString).collect(Collectors.joining(" ")) + "\n";
    private static final String SUM = (long) N * (N + 1) / 2 + "\n";

    private static String key;

    @BeforeAll
    static void root() {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
    }

    /** One job and what its result must show. */
    private record Case(String name, Map<String, Object> body, String verdict, Consumer<JsonPath> more) {}

    private static Case hello(String profile, String source) {
        return new Case(
                profile + " hello",
                job(profile, source, List.of(Map.of("expected_output", "hello\n")), null),
                "accepted",
                r -> {});
    }

    private static Case sum(String profile, String source) {
        return new Case(
                profile + " sum",
                job(profile, source, List.of(Map.of("stdin", NUMBERS, "expected_output", SUM)), null),
                "accepted",
                r -> {});
    }

    private static Case compileError(String profile, String source) {
        return new Case(
                profile + " compile error",
                job(profile, source, null, null),
                "compile_error",
                r -> assertTrue(r.getString("compile.output").contains("error"), r.getString("compile.output")));
    }

    private static Case runtimeError(String profile, String source) {
        return new Case(
                profile + " runtime error",
                job(profile, source, null, null),
                "runtime_error",
                r -> assertTrue(
                        r.get("tests[0].signal") != null || r.getInt("tests[0].exit_code") != 0,
                        "neither exit code nor signal"));
    }

    /** 1 s of CPU against a wall limit 30 times that: on a busy machine the CPU limit still comes first. */
    private static Case cpuLimit(String profile, String source) {
        return new Case(
                profile + " cpu limit",
                job(profile, source, null, Map.of("cpu_time_ms", 1000)),
                "time_limit_exceeded",
                r -> {});
    }

    /**
     * 128 MB, with 10 s of CPU and 30 s of wall time: each program allocates in big steps (a slow
     * machine's bash once reached only 55 MB in the 1 s of CPU a profile default gives).
     */
    private static Case memoryLimit(String profile, String source) {
        return new Case(
                profile + " memory limit",
                job(profile, source, null, Map.of("memory_mb", 128)),
                "memory_limit_exceeded",
                r -> {});
    }

    private static final Set<String> COMPILED = Set.of("c", "cpp", "java", "go", "rust", "c-debian");

    /** A job whose limits are {@link ApiTestSupport#ROOMY} but for the items of {@code limits}. */
    private static Map<String, Object> job(String profile, String source, Object tests, Map<String, Object> limits) {
        Map<String, Object> m = new HashMap<>();
        m.put("profile", profile);
        m.put("files", List.of(Map.of("content", source)));
        if (tests != null) {
            m.put("tests", tests);
        }
        Map<String, Object> run = new HashMap<>(ApiTestSupport.ROOMY);
        if (limits != null) {
            run.putAll(limits);
        }
        m.put("limits", run);
        if (COMPILED.contains(profile)) {
            m.put("compile_limits", ApiTestSupport.ROOMY_COMPILE);
        }
        return m;
    }

    /**
     * Submits every case at once, each request waiting for its verdict, so runs overlap on the slots;
     * one failure message lists every miss.
     */
    private static void runAll(List<Case> cases) {
        if (key == null) {
            key = (String) newClient(Map.of("max_concurrent_jobs", 100)).get("key");
        }
        ExecutorService pool = Executors.newFixedThreadPool(cases.size());
        try {
            List<Future<JsonPath>> results = new ArrayList<>();
            for (Case c : cases) {
                results.add(pool.submit(() -> ApiTestSupport.submitAndAwait(key, c.body())));
            }
            List<String> misses = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                Case c = cases.get(i);
                JsonPath r = results.get(i).get(ApiTestSupport.JOB_DEADLINE.toSeconds() + 60, TimeUnit.SECONDS);
                try {
                    assertEquals("done", r.getString("state"), "state");
                    assertEquals(c.verdict(), r.getString("verdict"));
                    c.more().accept(r);
                } catch (AssertionError e) {
                    misses.add(c.name() + ": " + e.getMessage() + "\n" + r.prettify());
                }
            }
            assertTrue(misses.isEmpty(), String.join("\n\n", misses));
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("a job did not come back", e);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void c() {
        runAll(List.of(
                hello("c", "#include <stdio.h>\nint main(void){puts(\"hello\");return 0;}"),
                sum(
                        "c",
                        "#include <stdio.h>\nint main(void){long long s=0,x;while(scanf(\"%lld\",&x)==1)s+=x;"
                                + "printf(\"%lld\\n\",s);}"),
                compileError("c", "int main(void){ return x; }"),
                runtimeError("c", "int main(void){ volatile int *p = 0; return *p; }"),
                cpuLimit("c", "int main(void){ volatile unsigned x = 0; for (;;) x++; }"),
                memoryLimit(
                        "c",
                        "#include <stdio.h>\n#include <stdlib.h>\nint main(void){ size_t n = 512u << 20;"
                                + " char *p = malloc(n); for (size_t i = 0; i < n; i += 4096) p[i] = (char) i;"
                                + " printf(\"%d\\n\", p[n / 2]); return 0; }")));
    }

    @Test
    void cpp() {
        runAll(List.of(
                hello("cpp", "#include <iostream>\nint main(){std::cout<<\"hello\"<<std::endl;}"),
                sum(
                        "cpp",
                        "#include <cstdio>\nint main(){long long s=0,x;while(std::scanf(\"%lld\",&x)==1)s+=x;"
                                + "std::printf(\"%lld\\n\",s);}"),
                compileError("cpp", "int main(){ std::vector<int> v; }"),
                runtimeError("cpp", "#include <stdexcept>\nint main(){ throw std::runtime_error(\"boom\"); }"),
                cpuLimit("cpp", "int main(){ volatile unsigned x = 0; for (;;) x++; }"),
                memoryLimit(
                        "cpp",
                        "#include <cstdio>\n#include <vector>\nint main(){ std::vector<char> v(512u << 20, 1);"
                                + " std::printf(\"%d\\n\", v[12345]); }")));
    }

    @Test
    void python3() {
        runAll(List.of(
                hello("python3", "print('hello')"),
                sum("python3", "import sys\nprint(sum(map(int, sys.stdin.read().split())))"),
                runtimeError("python3", "raise ValueError('boom')"),
                new Case(
                        "python3 deep recursion",
                        job("python3", "def f(n):\n    return f(n + 1) + 1\nf(0)", null, null),
                        "runtime_error",
                        r -> assertTrue(
                                r.getString("tests[0].stderr").contains("RecursionError"),
                                r.getString("tests[0].stderr"))),
                cpuLimit("python3", "while True: pass"),
                memoryLimit("python3", "x = bytearray(512 * 1024 * 1024)")));
    }

    @Test
    void java() {
        Map<String, Object> helloIn256 = job(
                "java",
                "public class Main { public static void main(String[] a) {" + " System.out.println(\"hello\"); } }",
                List.of(Map.of("expected_output", "hello\n")),
                Map.of("memory_mb", 256));
        runAll(List.of(
                new Case("java hello in 256 MB", helloIn256, "accepted", r -> {}),
                // the public class need not be Main: the compile step renames its file
                hello(
                        "java",
                        "import java.util.*;\n\npublic final class Solution {\n    public static void main("
                                + "String[] args) {\n        System.out.println(\"hello\");\n    }\n}\n"),
                sum(
                        "java",
                        "import java.io.*;\npublic class Main { public static void main(String[] a) throws "
                                + "IOException { StreamTokenizer t = new StreamTokenizer(new BufferedInputStream(System.in));"
                                + " long s = 0; while (t.nextToken() != StreamTokenizer.TT_EOF) s += (long) t.nval;"
                                + " System.out.println(s); } }"),
                compileError("java", "public class Main { public static void main(String[] a) { int x = \"s\"; } }"),
                runtimeError(
                        "java",
                        "public class Main { public static void main(String[] a) {"
                                + " throw new IllegalStateException(\"boom\"); } }"),
                cpuLimit(
                        "java",
                        "public class Main { static volatile long x; public static void main(String[] a) {"
                                + " for (;;) x++; } }"),
                new Case(
                        "java 1 GB",
                        job(
                                "java",
                                "public class Main { public static void main(String[] a) {"
                                        + " byte[][] b = new byte[1024][]; for (int i = 0; i < b.length; i++) b[i] = new byte[1 << 20];"
                                        + " System.out.println(b.length); } }",
                                null,
                                Map.of("memory_mb", 256)),
                        "memory_limit_exceeded",
                        r -> {})));
    }

    @Test
    void javascript() {
        runAll(List.of(
                hello("javascript", "console.log('hello')"),
                sum(
                        "javascript",
                        "const s = require('fs').readFileSync(0, 'utf8').split(/\\s+/).filter(Boolean)"
                                + ".reduce((a, x) => a + Number(x), 0);\nconsole.log(String(s));"),
                runtimeError("javascript", "throw new Error('boom')"),
                cpuLimit("javascript", "for (;;) {}"),
                memoryLimit("javascript", "const a = []; for (;;) a.push(new Array(1 << 20).fill(7));")));
    }

    @Test
    void bash() {
        runAll(List.of(
                hello("bash", "echo hello"),
                sum("bash", "read -r -a a; s=0; for x in \"${a[@]}\"; do s=$((s + x)); done; echo \"$s\""),
                runtimeError("bash", "exit 3"),
                cpuLimit("bash", "while :; do :; done"),
                // one printf into a variable: bash's fastest way to a big string
                memoryLimit("bash", "printf -v x '%*s' 400000000 ''; echo ${#x}")));
    }

    @Test
    void goAndRust() {
        runAll(List.of(
                hello("go", "package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"hello\") }"),
                sum(
                        "go",
                        "package main\nimport (\"bufio\"; \"fmt\"; \"os\")\nfunc main() { r := bufio.NewReader(os.Stdin);"
                                + " var s, x int64; for { if _, err := fmt.Fscan(r, &x); err != nil { break }; s += x };"
                                + " fmt.Println(s) }"),
                compileError("go", "package main\nfunc main() { x := }"),
                runtimeError("go", "package main\nfunc main() { panic(\"boom\") }"),
                cpuLimit("go", "package main\nvar x int\nfunc main() { for { x++ } }"),
                memoryLimit(
                        "go",
                        "package main\nfunc main() { b := make([]byte, 512<<20); for i := range b {"
                                + " b[i] = 1 }; println(b[7]) }"),
                hello("rust", "fn main() { println!(\"hello\"); }"),
                sum(
                        "rust",
                        "use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin()"
                                + ".read_to_string(&mut s).unwrap(); let t: i64 = s.split_whitespace()"
                                + ".map(|x| x.parse::<i64>().unwrap()).sum(); println!(\"{}\", t); }"),
                compileError("rust", "fn main() { let x: i32 = \"s\"; }"),
                runtimeError("rust", "fn main() { panic!(\"boom\"); }"),
                cpuLimit(
                        "rust",
                        "fn main() { let mut x = 0u64; loop { unsafe { std::ptr::write_volatile(&mut x, x + 1); } } }"),
                memoryLimit("rust", "fn main() { let v = vec![1u8; 512 << 20]; println!(\"{}\", v[12345]); }")));
    }

    @Test
    void compilersCannotHurtTheNode() {
        Map<String, Object> small = Map.of("cpu_time_ms", 3000, "wall_time_ms", 6000, "memory_mb", 256);
        Map<String, Object> devZero = job("c", "#include \"/dev/zero\"\nint main(void){return 0;}", null, null);
        devZero.put("compile_limits", small);
        Map<String, Object> shadow = job("c", "#include \"/etc/shadow\"\nint main(void){return 0;}", null, null);
        Map<String, Object> templates = job(
                "cpp",
                "template<int N, int M> struct T { enum { v = T<N - 1, 2 * M>::v"
                        + " + T<N - 1, 2 * M + 1>::v }; };\ntemplate<int M> struct T<0, M> { enum { v = 1 }; };\n"
                        + "int main() { return T<28, 0>::v; }",
                null,
                null);
        templates.put("compile_limits", small);
        Consumer<JsonPath> boundedByALimitOrError = r -> assertTrue(
                List.of(
                                "time_limit_exceeded",
                                "wall_time_limit_exceeded",
                                "memory_limit_exceeded",
                                "output_limit_exceeded",
                                "runtime_error")
                        .contains(r.getString("compile.status")),
                r.getString("compile.status"));
        runAll(List.of(
                new Case("#include /dev/zero", devZero, "compile_error", boundedByALimitOrError),
                new Case(
                        "#include /etc/shadow",
                        shadow,
                        "compile_error",
                        r -> assertTrue(
                                r.getString("compile.output").contains("No such file"), r.getString("compile.output"))),
                new Case("template explosion", templates, "compile_error", boundedByALimitOrError)));
    }

    @Test
    void profilesReportVersionsFromTheSandboxAndUnbuiltImages() {
        String k = (String) newClient(Map.of()).get("key");
        // detection runs each toolchain in the sandbox after start-up: on a busy machine it takes a while
        long deadline = System.nanoTime() + ApiTestSupport.JOB_DEADLINE.toNanos();
        JsonPath p;
        Map<String, String> versions = new HashMap<>();
        do {
            p = given().auth()
                    .oauth2(k)
                    .get("/api/v1/profiles")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            for (Map<String, Object> v : p.<Map<String, Object>>getList("")) {
                versions.put((String) v.get("name"), (String) v.get("version"));
            }
        } while (versions.values().stream().anyMatch(v -> v != null && v.startsWith("unknown: still being detected"))
                && System.nanoTime() < deadline);
        assertTrue(versions.get("java").startsWith("openjdk version \"17"), versions.toString());
        assertTrue(versions.get("python3").startsWith("Python 3."), versions.toString());
        assertTrue(versions.get("javascript").startsWith("v"), versions.toString());
        assertTrue(versions.get("c").startsWith("gcc"), versions.toString());
        assertTrue(versions.get("rust").startsWith("rustc "), versions.toString());
        assertTrue(versions.get("go").startsWith("go version go"), versions.toString());
        assertTrue(versions.get("bash").startsWith("GNU bash"), versions.toString());
        // c-debian names the image `gcc`, never built in this test's fresh state directory
        assertFalse(p.getBoolean("find { it.name == 'c-debian' }.available"));
        assertTrue(
                p.getString("find { it.name == 'c-debian' }.unavailable_reason").contains("./proctor image build gcc"));
        assertTrue(versions.get("c-debian").startsWith("unavailable"), versions.get("c-debian"));
        assertTrue(p.getBoolean("find { it.name == 'java' }.available"));
        given().auth()
                .oauth2(k)
                .contentType(ContentType.JSON)
                .body(job("c-debian", "int main(void){return 0;}", null, null))
                .post("/api/v1/jobs")
                .then()
                .statusCode(503)
                .body("field", equalTo("profile"))
                .body("detail", containsString("./proctor image build gcc"));
    }
}
