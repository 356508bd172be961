package dev.proctor;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way: entry points and HTTP on top, the domain beneath, the sandbox engine at the
 * bottom. A package may use the packages below it, never one above it; the production classes only
 * (tests and benchmarks may reach anywhere).
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.proctor");
    }

    @Test
    void layersOnlyLookDown() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .withOptionalLayers(true)
                .layer("Entry")
                .definedBy("dev.proctor", "dev.proctor.cli..")
                .layer("Api")
                .definedBy("dev.proctor.api..")
                .layer("Facades")
                .definedBy("dev.proctor.compat..")
                .layer("Dashboard")
                .definedBy("dev.proctor.dashboard..")
                .layer("Followers")
                .definedBy("dev.proctor.webhooks..", "dev.proctor.maintenance..")
                .layer("Jobs")
                .definedBy("dev.proctor.jobs..")
                .layer("Persistence")
                .definedBy("dev.proctor.persistence..")
                .layer("Problems")
                .definedBy("dev.proctor.problems..")
                .layer("Grading")
                .definedBy("dev.proctor.grading..")
                .layer("Profiles")
                .definedBy("dev.proctor.profiles..")
                .layer("Auth")
                .definedBy("dev.proctor.auth..")
                .layer("Config")
                .definedBy("dev.proctor.config..")
                .layer("Sandbox")
                .definedBy("dev.proctor.sandbox..")
                .layer("Core")
                .definedBy("dev.proctor.core..")
                .whereLayer("Entry")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("Api")
                .mayOnlyBeAccessedByLayers("Entry")
                .whereLayer("Facades")
                .mayOnlyBeAccessedByLayers("Entry", "Api")
                .whereLayer("Dashboard")
                .mayOnlyBeAccessedByLayers("Entry", "Api")
                .whereLayer("Followers")
                .mayOnlyBeAccessedByLayers("Entry", "Api", "Facades")
                .whereLayer("Jobs")
                .mayOnlyBeAccessedByLayers("Entry", "Api", "Facades", "Dashboard", "Followers")
                .whereLayer("Persistence")
                .mayOnlyBeAccessedByLayers("Entry", "Api", "Facades", "Dashboard", "Followers", "Jobs")
                .whereLayer("Problems")
                .mayOnlyBeAccessedByLayers("Entry", "Api", "Facades", "Dashboard", "Followers", "Jobs", "Persistence")
                .whereLayer("Grading")
                .mayOnlyBeAccessedByLayers(
                        "Entry", "Api", "Facades", "Dashboard", "Followers", "Jobs", "Persistence", "Problems")
                .whereLayer("Profiles")
                .mayOnlyBeAccessedByLayers(
                        "Entry",
                        "Api",
                        "Facades",
                        "Dashboard",
                        "Followers",
                        "Jobs",
                        "Persistence",
                        "Problems",
                        "Grading")
                .whereLayer("Auth")
                .mayOnlyBeAccessedByLayers(
                        "Entry",
                        "Api",
                        "Facades",
                        "Dashboard",
                        "Followers",
                        "Jobs",
                        "Persistence",
                        "Problems",
                        "Grading")
                .whereLayer("Config")
                .mayOnlyBeAccessedByLayers(
                        "Entry",
                        "Api",
                        "Facades",
                        "Dashboard",
                        "Followers",
                        "Jobs",
                        "Persistence",
                        "Problems",
                        "Grading",
                        "Profiles",
                        "Auth")
                .whereLayer("Sandbox")
                .mayOnlyBeAccessedByLayers(
                        "Entry",
                        "Api",
                        "Facades",
                        "Dashboard",
                        "Followers",
                        "Jobs",
                        "Persistence",
                        "Problems",
                        "Grading",
                        "Profiles",
                        "Auth",
                        "Config")
                .check(classes);
    }

    @Test
    void topLevelPackagesFormNoCycle() {
        slices().matching("dev.proctor.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void nothingButTheApiKnowsProblemJson() {
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
                .that()
                .resideOutsideOfPackages("dev.proctor.api..", "dev.proctor", "dev.proctor.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.proctor.api..")
                .check(classes);
    }
}
