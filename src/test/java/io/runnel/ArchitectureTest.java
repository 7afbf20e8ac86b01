package io.runnel;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package rules, checked on the compiled main classes. The data path reads from the package
 * list: {@code api} (the web edge) → {@code produce} / {@code consume} / {@code group} →
 * {@code partition} (where each partition lives, routing) → {@code log} (storage); {@code topic} is
 * the catalog, {@code cluster} the metadata quorum, {@code replication} the followers.
 */
@AnalyzeClasses(packages = "io.runnel", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule noCyclesBetweenPackages = slices().matching("io.runnel.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule theStorageEngineUsesOnlyTheJdk = classes().that().resideInAPackage("io.runnel.log..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.runnel.log..", "java..", "javax.annotation..");

    @ArchTest
    static final ArchRule errorsAndTheDataLayoutKnowNoFramework = classes()
            .that().resideInAnyPackage("io.runnel.error..", "io.runnel.storage..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.runnel.error..", "io.runnel.storage..", "io.runnel.log..",
                    "java..");

    /**
     * The authorization core (principals, ACLs, the operation table, key hashing) is plain Java: the web
     * edge and the metadata feed it, it knows neither. Its Spring wiring, if any, lives in a sub-package.
     */
    @ArchTest
    static final ArchRule theAuthorizationCoreUsesOnlyTheJdkAndErrors = classes().that().resideInAPackage("io.runnel.security")
            .should().onlyDependOnClassesThat().resideInAnyPackage("io.runnel.security", "io.runnel.error", "java..");

    @ArchTest
    static final ArchRule theCatalogAndTheQuorumStateKnowNoHttp = noClasses()
            .that().resideInAnyPackage("io.runnel.topic..", "io.runnel.log..", "io.runnel.error..", "io.runnel.storage..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework.web..", "org.springframework.http..",
                    "jakarta.servlet..");

    /** Classes of the web edge outside {@code api}, and their nested classes. */
    private static final String EDGE = ".*(Controller|Filter|Writer|Gate|WebConfig|Forwarder|Streams)(\\$.*)?";

    /** Servlet and Spring MVC types appear only at the edge: controllers, filters, advice, writers of answers. */
    @ArchTest
    static final ArchRule theWebLayerStaysAtTheEdge = noClasses()
            .that().resideOutsideOfPackage("io.runnel.api..").and().haveNameNotMatching(EDGE)
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.springframework.web.servlet..",
                    "org.springframework.web.bind..");

    /** Domain code throws {@code RunnelException}; only the edge turns failures into problem details. */
    @ArchTest
    static final ArchRule onlyTheEdgeAnswersProblems = noClasses()
            .that().resideOutsideOfPackage("io.runnel.api..").and().haveNameNotMatching(EDGE)
            .should().dependOnClassesThat().haveFullyQualifiedName("io.runnel.api.ProblemHandler")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("io.runnel.api.Problems");
}
