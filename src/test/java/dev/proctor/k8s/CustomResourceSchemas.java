package dev.proctor.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Allowed keys of the custom resources k8s/ uses, written from the CRD reference docs: KEDA 2.x
 * (ScaledObject, TriggerAuthentication, and the postgresql scaler's metadata as parsed by
 * pkg/scalers/postgresql_scaler.go) and CloudNativePG 1.2x (Cluster). fabric8 has no model for
 * them, so without this list a misspelled key would parse and be silently ignored by the operator.
 * Every map in a custom resource must sit at a path listed here, either with its keys or as a
 * free-form map (labels, resource quantities).
 */
final class CustomResourceSchemas {

    /** What a custom resource of one apiVersion and kind may contain. */
    private record Schema(Map<String, Set<String>> keys, Set<String> freeForm) {}

    private static final Set<String> POSTGRESQL_TRIGGER_METADATA = Set.of(
            "targetQueryValue",
            "activationTargetQueryValue",
            "query",
            "connectionFromEnv",
            "host",
            "port",
            "userName",
            "dbName",
            "sslmode",
            "passwordFromEnv");

    /** Parameters the postgresql scaler accepts from a TriggerAuthentication. */
    static final Set<String> POSTGRESQL_AUTH_PARAMETERS =
            Set.of("connection", "host", "port", "userName", "dbName", "sslmode", "password");

    private static final Map<String, Schema> SCHEMAS = Map.of(
            "keda.sh/v1alpha1/ScaledObject",
                    new Schema(
                            Map.of(
                                    "", Set.of("spec"),
                                    "spec",
                                            Set.of(
                                                    "scaleTargetRef",
                                                    "pollingInterval",
                                                    "cooldownPeriod",
                                                    "initialCooldownPeriod",
                                                    "idleReplicaCount",
                                                    "minReplicaCount",
                                                    "maxReplicaCount",
                                                    "fallback",
                                                    "advanced",
                                                    "triggers"),
                                    "spec.scaleTargetRef",
                                            Set.of("apiVersion", "kind", "name", "envSourceContainerName"),
                                    "spec.triggers[]",
                                            Set.of(
                                                    "type",
                                                    "name",
                                                    "metadata",
                                                    "authenticationRef",
                                                    "metricType",
                                                    "useCachedMetrics"),
                                    "spec.triggers[].authenticationRef", Set.of("name", "kind"),
                                    "spec.triggers[].metadata", POSTGRESQL_TRIGGER_METADATA),
                            Set.of()),
            "keda.sh/v1alpha1/TriggerAuthentication",
                    new Schema(
                            Map.of(
                                    "", Set.of("spec"),
                                    "spec",
                                            Set.of(
                                                    "secretTargetRef",
                                                    "env",
                                                    "configMapTargetRef",
                                                    "podIdentity",
                                                    "hashiCorpVault",
                                                    "azureKeyVault",
                                                    "awsSecretManager",
                                                    "gcpSecretManager",
                                                    "boundServiceAccountToken"),
                                    "spec.secretTargetRef[]", Set.of("parameter", "name", "key")),
                            Set.of()),
            "postgresql.cnpg.io/v1/Cluster",
                    new Schema(
                            Map.of(
                                    "", Set.of("spec"),
                                    "spec",
                                            Set.of(
                                                    "instances",
                                                    "imageName",
                                                    "imageCatalogRef",
                                                    "postgresql",
                                                    "bootstrap",
                                                    "storage",
                                                    "walStorage",
                                                    "resources",
                                                    "affinity",
                                                    "inheritedMetadata",
                                                    "primaryUpdateStrategy",
                                                    "primaryUpdateMethod",
                                                    "backup",
                                                    "monitoring",
                                                    "superuserSecret",
                                                    "enableSuperuserAccess",
                                                    "certificates",
                                                    "description",
                                                    "minSyncReplicas",
                                                    "maxSyncReplicas",
                                                    "managed",
                                                    "replica",
                                                    "externalClusters",
                                                    "startDelay",
                                                    "stopDelay",
                                                    "smartShutdownTimeout",
                                                    "switchoverDelay",
                                                    "failoverDelay",
                                                    "logLevel",
                                                    "enablePDB",
                                                    "priorityClassName",
                                                    "env",
                                                    "envFrom",
                                                    "topologySpreadConstraints",
                                                    "ephemeralVolumeSource",
                                                    "ephemeralVolumesSizeLimit",
                                                    "tablespaces",
                                                    "projectedVolumeTemplate",
                                                    "serviceAccountTemplate",
                                                    "plugins",
                                                    "probes",
                                                    "podSecurityContext",
                                                    "securityContext",
                                                    "seccompProfile"),
                                    "spec.storage", Set.of("size", "storageClass", "resizeInUseVolumes", "pvcTemplate"),
                                    "spec.bootstrap", Set.of("initdb", "recovery", "pg_basebackup"),
                                    "spec.bootstrap.initdb",
                                            Set.of(
                                                    "database",
                                                    "owner",
                                                    "secret",
                                                    "options",
                                                    "dataChecksums",
                                                    "encoding",
                                                    "localeCollate",
                                                    "localeCType",
                                                    "locale",
                                                    "localeProvider",
                                                    "icuLocale",
                                                    "icuRules",
                                                    "builtinLocale",
                                                    "walSegmentSize",
                                                    "postInitSQL",
                                                    "postInitApplicationSQL",
                                                    "postInitTemplateSQL",
                                                    "postInitSQLRefs",
                                                    "postInitApplicationSQLRefs",
                                                    "postInitTemplateSQLRefs",
                                                    "import"),
                                    "spec.affinity",
                                            Set.of(
                                                    "enablePodAntiAffinity",
                                                    "topologyKey",
                                                    "nodeSelector",
                                                    "nodeAffinity",
                                                    "tolerations",
                                                    "podAntiAffinityType",
                                                    "additionalPodAntiAffinity",
                                                    "additionalPodAffinity"),
                                    "spec.inheritedMetadata", Set.of("labels", "annotations"),
                                    "spec.resources", Set.of("requests", "limits", "claims")),
                            Set.of(
                                    "spec.inheritedMetadata.labels",
                                    "spec.inheritedMetadata.annotations",
                                    "spec.resources.requests",
                                    "spec.resources.limits",
                                    "spec.affinity.nodeSelector")));

    private CustomResourceSchemas() {}

    static void check(GenericKubernetesResource resource, List<String> problems) {
        String type = resource.getApiVersion() + "/" + resource.getKind();
        Schema schema = SCHEMAS.get(type);
        if (schema == null) {
            problems.add("no schema for custom resource " + type + ": add one to CustomResourceSchemas");
            return;
        }
        walk(resource.getAdditionalProperties(), "", schema, problems);
    }

    private static void walk(Object value, String path, Schema schema, List<String> problems) {
        if (value instanceof List<?> items) {
            items.forEach(item -> walk(item, path + "[]", schema, problems));
        } else if (value instanceof Map<?, ?> map) {
            if (schema.freeForm().contains(path)) {
                return;
            }
            Set<String> allowed = schema.keys().get(path);
            if (allowed == null) {
                problems.add(path + ": no schema for this map");
                return;
            }
            map.forEach((k, v) -> {
                String child = path.isEmpty() ? String.valueOf(k) : path + "." + k;
                if (allowed.contains(String.valueOf(k))) {
                    walk(v, child, schema, problems);
                } else {
                    problems.add(child);
                }
            });
        }
    }
}
