package dev.proctor.problems;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** One entry of the test data tree: a test case or a group of them, in lexicographic order. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = TestNode.TestCase.class, name = "case"),
    @JsonSubTypes.Type(value = TestNode.TestGroup.class, name = "group")
})
public sealed interface TestNode permits TestNode.TestCase, TestNode.TestGroup {

    /** The path below {@code data/}, without extension: {@code secret/group1/03}. */
    String name();

    /**
     * A test case: {@code input} and {@code answer}, or an {@code interaction} (interactive samples, which
     * may have neither).
     */
    record TestCase(String name, PackageFile input, PackageFile answer, PackageFile interaction) implements TestNode {}

    /** A directory of {@code data/}: its grading and its children. */
    record TestGroup(String name, GroupGrading grading, List<TestNode> children) implements TestNode {

        public TestGroup {
            children = List.copyOf(children);
        }

        /** Every test case at or below this group, in order. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public List<TestCase> cases() {
            java.util.ArrayList<TestCase> out = new java.util.ArrayList<>();
            collect(this, out);
            return out;
        }

        private static void collect(TestGroup g, List<TestCase> out) {
            for (TestNode n : g.children) {
                if (n instanceof TestCase c) {
                    out.add(c);
                } else if (n instanceof TestGroup sub) {
                    collect(sub, out);
                }
            }
        }

        /** Every group at or below this one (itself first). */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public List<TestGroup> groups() {
            java.util.ArrayList<TestGroup> out = new java.util.ArrayList<>();
            out.add(this);
            for (TestNode n : children) {
                if (n instanceof TestGroup sub) {
                    out.addAll(sub.groups());
                }
            }
            return out;
        }
    }
}
