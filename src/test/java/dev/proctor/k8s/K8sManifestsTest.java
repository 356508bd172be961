package dev.proctor.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.ids.HostIdRanges;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The manifests in k8s/ cannot be applied here (no cluster, no kubectl): parse every one with
 * fabric8, refuse any field it does not know, and check the facts they share with the rest of
 * the project, which otherwise drift apart silently.
 */
class K8sManifestsTest {

    private static final Path PROJECT = Path.of(System.getProperty("proctor.project-dir", "."))
            .toAbsolutePath()
            .normalize();
    private static final Path K8S = PROJECT.resolve("k8s");
    private static final Path BASE = K8S.resolve("base/kustomization.yaml");
    private static final Path DEV = K8S.resolve("overlays/dev/kustomization.yaml");
    private static final Path PROD = K8S.resolve("overlays/prod/kustomization.yaml");
    /** Keys of the Secret CloudNativePG generates for the application owner. */
    private static final Set<String> CNPG_APP_SECRET_KEYS =
            Set.of("username", "password", "host", "port", "dbname", "uri", "jdbc-uri", "pgpass");

    @Test
    void everyManifestParsesWithNoUnknownField() {
        List<String> problems = new ArrayList<>();
        int documents = 0;
        for (Path file : Manifests.yamlFiles(K8S)) {
            if (Manifests.isKustomization(file)) {
                continue;
            }
            for (Manifests.Document doc : Manifests.documents(K8S, file)) {
                documents++;
                Manifests.unknownFields(doc.resource()).forEach(f -> problems.add(doc.where() + ": " + f));
            }
        }
        assertTrue(documents >= 10, "expected the base and overlay manifests, found " + documents + " documents");
        assertEquals(List.of(), problems, "fields fabric8 or the CRD allow-lists do not know");
    }

    @Test
    void kustomizationsNameOnlyExistingFilesAndPatchExistingPaths() {
        for (Path k : List.of(BASE, DEV, PROD)) {
            assertEquals(
                    List.of(),
                    Kustomizations.problems(k, rendered(k)),
                    K8S.relativize(k).toString());
        }
        assertEquals(
                3,
                Manifests.yamlFiles(K8S).stream()
                        .filter(Manifests::isKustomization)
                        .count(),
                "a new kustomization needs adding to this test");
    }

    @Test
    void probesAndPortsMatchApplicationConfiguration() {
        Properties app = applicationProperties();
        assertFalse(
                Boolean.parseBoolean(prop(app, "quarkus.management.enabled", "false")),
                "health moves to the management port: update the probes");
        int port = Integer.parseInt(prop(app, "quarkus.http.port", "8080"));
        String root = "/" + prop(app, "quarkus.http.non-application-root-path", "q") + "/"
                + prop(app, "quarkus.smallrye-health.root-path", "health");
        Container proctor = proctorContainer();
        assertEquals(port, proctor.getPorts().get(0).getContainerPort());
        assertEquals("http", proctor.getPorts().get(0).getName());
        assertProbe(proctor.getReadinessProbe().getHttpGet(), root + "/ready", "/q/health/ready");
        assertProbe(proctor.getLivenessProbe().getHttpGet(), root + "/live", "/q/health/live");
        assertProbe(proctor.getStartupProbe().getHttpGet(), root + "/started", "/q/health/started");

        Service service = only(rendered(BASE), Service.class);
        assertEquals("http", service.getSpec().getPorts().get(0).getName());
        assertEquals(port, service.getSpec().getPorts().get(0).getPort());
        assertEquals("http", service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        NetworkPolicy policy = only(rendered(BASE), NetworkPolicy.class);
        assertEquals(
                port,
                policy.getSpec().getIngress().get(0).getPorts().get(0).getPort().getIntVal(),
                "the NetworkPolicy admits only the HTTP port");
    }

    private static void assertProbe(HTTPGetAction get, String fromConfig, String expected) {
        assertEquals(expected, fromConfig, "application.properties moved the health endpoints");
        assertEquals(fromConfig, get.getPath());
        assertEquals("http", get.getPort().getStrVal(), "probes use the named port");
    }

    @Test
    void imageCommandAndLayoutMatchContainerfile() {
        Containerfile recipe = containerfile();
        Container proctor = proctorContainer();
        String version = pomVersion().replace("-SNAPSHOT", "");
        assertEquals(version, recipe.labels().get("org.opencontainers.image.version"), "image version = pom version");
        String image = recipe.labels().get("org.opencontainers.image.title") + ":" + version;
        assertEquals(image, proctor.getImage());
        assertEquals(recipe.entrypoint(), proctor.getCommand(), "the Deployment runs what the image runs");
        assertEquals(
                List.of("java", "-jar", "/opt/proctor/quarkus-app/quarkus-run.jar", "serve"), proctor.getCommand());
        assertEquals(recipe.workdir(), proctor.getWorkingDir());
        assertEquals(recipe.env().get("PROCTOR_SANDBOX_PROJECT_DIR"), env(proctor, "PROCTOR_SANDBOX_PROJECT_DIR"));
        assertEquals(recipe.workdir(), env(proctor, "PROCTOR_SANDBOX_PROJECT_DIR"));
        String stateDir = env(proctor, "PROCTOR_SANDBOX_STATE_DIR");
        assertEquals(recipe.env().get("PROCTOR_SANDBOX_STATE_DIR"), stateDir);
        assertTrue(
                proctor.getVolumeMounts().stream()
                        .anyMatch(m -> m.getMountPath().equals(stateDir)),
                "the state dir is a volume, not the read-only image");
        // id ranges are leased host-wide: every node on a machine shares the lease directory
        String leases = HostIdRanges.DEFAULT_LOCK_DIR.toString();
        String volume = proctor.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(leases))
                .map(m -> m.getName())
                .findFirst()
                .orElseThrow(() -> new AssertionError(leases + " is not a volume"));
        assertEquals(
                leases,
                podSpec(only(rendered(BASE), Deployment.class)).getVolumes().stream()
                        .filter(v -> v.getName().equals(volume))
                        .findFirst()
                        .orElseThrow()
                        .getHostPath()
                        .getPath());
        assertEquals(List.of(proctor.getPorts().get(0).getContainerPort()), recipe.exposed());
        // what a run needs from the image: the launcher and the profiles below the project dir
        assertTrue(recipe.copies().stream()
                .anyMatch(c -> c.destination().equals(recipe.workdir() + "/target/native/proctor-launcher")));
        assertTrue(recipe.copies().stream()
                .anyMatch(c -> c.destination().equals(recipe.workdir() + "/sandbox-profiles/")));
        String readme = read(K8S.resolve("README.md"));
        assertTrue(
                readme.contains("k8s/Containerfile") && readme.contains(image),
                "k8s/README.md tells how to build " + image + " from k8s/Containerfile");
    }

    @Test
    void containerfileCopiesOnlyRepositoryFilesOrBuildOutputs() {
        String pom = read(PROJECT.resolve("pom.xml"));
        for (Containerfile.Copy copy : containerfile().copies()) {
            for (String source : copy.sources()) {
                switch (source) {
                    case "target/quarkus-app/" ->
                        assertTrue(
                                pom.contains("<artifactId>quarkus-maven-plugin</artifactId>")
                                        && pom.contains("<goal>build</goal>"),
                                "the pom builds target/quarkus-app");
                    case "target/native/proctor-launcher" -> {
                        assertTrue(
                                pom.contains("<launcher.out>${project.build.directory}/native</launcher.out>")
                                        && pom.contains("<executable>make</executable>")
                                        && pom.contains("<argument>${project.basedir}/src/main/c</argument>")
                                        && pom.contains("<argument>OUT=${launcher.out}</argument>"),
                                "the pom runs make -C src/main/c OUT=target/native");
                        assertTrue(Files.isRegularFile(PROJECT.resolve("src/main/c/Makefile")));
                    }
                    default -> {
                        assertFalse(
                                source.startsWith("target/"),
                                source + " is not an output this test knows the pom builds");
                        assertTrue(Files.exists(PROJECT.resolve(source)), "COPY " + source + ": not in the repository");
                    }
                }
            }
        }
    }

    @Test
    void imagesNameNoRegistryHost() {
        List<String> images = new ArrayList<>(List.of(containerfile().from()));
        for (Path k : List.of(DEV, PROD)) {
            for (Manifests.Document doc : rendered(k)) {
                PodSpec pod = podSpec(doc.resource());
                if (pod != null) {
                    Stream.concat(pod.getContainers().stream(), pod.getInitContainers().stream())
                            .forEach(c -> images.add(c.getImage()));
                }
            }
        }
        for (String image : images) {
            String first = image.split("/")[0];
            boolean host =
                    image.contains("/") && (first.contains(".") || first.contains(":") || first.equals("localhost"));
            assertFalse(host, image + " names a registry host");
        }
    }

    @Test
    void kedaScalesOnQueuedJobsWithTheDeploymentsCredentials() {
        GenericKubernetesResource scaled = custom(rendered(BASE), "ScaledObject");
        Map<String, Object> spec = map(scaled.getAdditionalProperties().get("spec"));
        assertEquals("proctor", map(spec.get("scaleTargetRef")).get("name"));
        Map<String, Object> trigger = maps(spec.get("triggers")).get(0);
        assertEquals("postgresql", trigger.get("type"));
        Map<String, Object> metadata = map(trigger.get("metadata"));
        // jobs.state is text: queued | running | done | cancelled; only queued is unclaimed work
        assertEquals("SELECT count(*) FROM jobs WHERE state = 'queued'", metadata.get("query"));
        assertTrue(Double.parseDouble(String.valueOf(metadata.get("targetQueryValue"))) > 0);
        assertTrue((Integer) spec.get("minReplicaCount") <= (Integer) spec.get("maxReplicaCount"));

        GenericKubernetesResource auth = custom(rendered(BASE), "TriggerAuthentication");
        assertEquals(
                auth.getMetadata().getName(),
                map(trigger.get("authenticationRef")).get("name"));
        Container proctor = proctorContainer();
        for (Map<String, Object> ref :
                maps(map(auth.getAdditionalProperties().get("spec")).get("secretTargetRef"))) {
            assertTrue(CustomResourceSchemas.POSTGRESQL_AUTH_PARAMETERS.contains(ref.get("parameter")));
            assertTrue(
                    proctor.getEnv().stream()
                            .anyMatch(e -> e.getValueFrom() != null
                                    && ref.get("name")
                                            .equals(e.getValueFrom()
                                                    .getSecretKeyRef()
                                                    .getName())
                                    && ref.get("key")
                                            .equals(e.getValueFrom()
                                                    .getSecretKeyRef()
                                                    .getKey())),
                    "KEDA reads " + ref + ", which the Deployment does not");
        }
        Map<String, Integer> prod = new HashMap<>();
        Kustomizations.jsonPatchOps(PROD, "ScaledObject")
                .forEach(op ->
                        prod.put(op.path("path").asText(), op.path("value").asInt()));
        assertEquals(3, prod.get("/spec/minReplicaCount"), "prod keeps three nodes");
        assertEquals(10, prod.get("/spec/maxReplicaCount"), "prod scales up to ten");
    }

    @Test
    void everyContainerHasRequestsAndLimits() {
        int containers = 0;
        for (Path k : List.of(DEV, PROD)) {
            for (Manifests.Document doc : rendered(k)) {
                PodSpec pod = podSpec(doc.resource());
                if (pod == null) {
                    continue;
                }
                for (Container c : Stream.concat(pod.getContainers().stream(), pod.getInitContainers().stream())
                        .toList()) {
                    containers++;
                    ResourceRequirements r = c.getResources();
                    assertNotNull(r, doc.where() + " " + c.getName());
                    for (String resource : List.of("cpu", "memory")) {
                        assertTrue(
                                r.getRequests().containsKey(resource),
                                doc.where() + " " + c.getName() + " requests " + resource);
                        assertTrue(
                                r.getLimits().containsKey(resource),
                                doc.where() + " " + c.getName() + " limits " + resource);
                    }
                }
            }
        }
        assertTrue(containers >= 2, "proctor and the dev database");
        Map<String, Object> cnpg = map(
                map(custom(rendered(PROD), "Cluster").getAdditionalProperties().get("spec"))
                        .get("resources"));
        assertTrue(cnpg.containsKey("requests") && cnpg.containsKey("limits"), "the CloudNativePG instances too");
    }

    @Test
    void terminationGraceCoversDrain() {
        Map<String, String> settings = envFile(K8S.resolve("base/proctor.env"));
        Duration drain = quarkusDuration(settings.get("PROCTOR_NODE_DRAIN_GRACE"));
        PodSpec pod = podSpec(only(rendered(BASE), Deployment.class));
        long preStop = proctorContainer().getLifecycle().getPreStop().getSleep().getSeconds();
        assertTrue(
                pod.getTerminationGracePeriodSeconds() > drain.toSeconds() + preStop,
                "SIGKILL must not land before the drain (" + drain + ") after preStop (" + preStop + " s) ends");
    }

    @Test
    void networkPolicyKeepsWebhooksOffPrivateRanges() {
        NetworkPolicy policy = only(rendered(BASE), NetworkPolicy.class);
        IPBlock v4 = policy.getSpec().getEgress().stream()
                .flatMap(rule -> rule.getTo().stream())
                .map(peer -> peer.getIpBlock())
                .filter(block -> block != null && block.getCidr().equals("0.0.0.0/0"))
                .findFirst()
                .orElseThrow();
        assertTrue(v4.getExcept()
                .containsAll(
                        List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8")));
        assertEquals(Set.of("Ingress", "Egress"), Set.copyOf(policy.getSpec().getPolicyTypes()));
    }

    @Test
    void prodReadsTheSecretCloudNativePgGenerates() {
        GenericKubernetesResource cluster = custom(rendered(PROD), "Cluster");
        String secret = cluster.getMetadata().getName() + "-app";
        Deployment patch = only(
                Kustomizations.patchFiles(PROD).stream()
                        .flatMap(f -> Manifests.documents(K8S, f).stream())
                        .toList(),
                Deployment.class);
        List<EnvVar> env =
                patch.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        assertEquals(3, env.size());
        for (EnvVar e : env) {
            assertEquals(secret, e.getValueFrom().getSecretKeyRef().getName(), e.getName());
            assertTrue(
                    CNPG_APP_SECRET_KEYS.contains(
                            e.getValueFrom().getSecretKeyRef().getKey()),
                    e.getName());
        }
        Map<String, Object> initdb =
                map(map(map(cluster.getAdditionalProperties().get("spec")).get("bootstrap"))
                        .get("initdb"));
        assertEquals(Map.of("database", "proctor", "owner", "proctor"), initdb);
    }

    // --- the project's other files ---

    private static Containerfile containerfile() {
        return Containerfile.parse(K8S.resolve("Containerfile"));
    }

    private static Properties applicationProperties() {
        Properties p = new Properties();
        p.putAll(envFile(PROJECT.resolve("src/main/resources/application.properties")));
        return p;
    }

    /** The value the packaged app runs with: the %prod profile wins over the plain key. */
    private static String prop(Properties p, String key, String quarkusDefault) {
        return p.getProperty("%prod." + key, p.getProperty(key, quarkusDefault));
    }

    private static String pomVersion() {
        String pom = read(PROJECT.resolve("pom.xml"));
        int artifact = pom.indexOf("<artifactId>proctor</artifactId>");
        int start = pom.indexOf("<version>", artifact) + "<version>".length();
        return pom.substring(start, pom.indexOf("</version>", start));
    }

    /** KEY=value lines, # comments: the format of kustomize `envs` files and of .properties here. */
    private static Map<String, String> envFile(Path file) {
        Map<String, String> result = new LinkedHashMap<>();
        read(file)
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .forEach(l -> result.put(
                        l.substring(0, l.indexOf('=')).strip(),
                        l.substring(l.indexOf('=') + 1).strip()));
        return result;
    }

    /** Quarkus' duration syntax: ISO-8601, or a number with ms, s, m, h or d (seconds if bare). */
    static Duration quarkusDuration(String value) {
        if (value.startsWith("P")) {
            return Duration.parse(value);
        }
        if (value.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
        }
        char unit = value.charAt(value.length() - 1);
        if (Character.isDigit(unit)) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        String digits = value.substring(0, value.length() - 1);
        return unit == 'd' ? Duration.ofDays(Long.parseLong(digits)) : Duration.parse("PT" + value.toUpperCase());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- the manifests ---

    /** The documents a kustomization's resources produce, before its patches. */
    private static List<Manifests.Document> rendered(Path kustomization) {
        List<Manifests.Document> result = new ArrayList<>();
        for (Object entry : (List<?>) Manifests.kustomization(kustomization).getOrDefault("resources", List.of())) {
            Path p = kustomization.getParent().resolve(String.valueOf(entry)).normalize();
            if (Files.isDirectory(p)) {
                result.addAll(rendered(p.resolve("kustomization.yaml")));
            } else {
                result.addAll(Manifests.documents(K8S, p));
            }
        }
        return result;
    }

    private static <T extends HasMetadata> T only(List<Manifests.Document> docs, Class<T> type) {
        List<T> found = docs.stream()
                .map(Manifests.Document::resource)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
        assertEquals(1, found.size(), "exactly one " + type.getSimpleName());
        return found.get(0);
    }

    private static GenericKubernetesResource custom(List<Manifests.Document> docs, String kind) {
        return only(
                docs.stream().filter(d -> d.resource().getKind().equals(kind)).toList(),
                GenericKubernetesResource.class);
    }

    private static Container proctorContainer() {
        return podSpec(only(rendered(BASE), Deployment.class)).getContainers().stream()
                .filter(c -> c.getName().equals("proctor"))
                .findFirst()
                .orElseThrow();
    }

    private static PodSpec podSpec(HasMetadata resource) {
        if (resource instanceof Deployment d) {
            return d.getSpec().getTemplate().getSpec();
        }
        if (resource instanceof StatefulSet s) {
            return s.getSpec().getTemplate().getSpec();
        }
        return null;
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue)
                .findFirst()
                .orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> maps(Object value) {
        return (List<Map<String, Object>>) value;
    }
}
