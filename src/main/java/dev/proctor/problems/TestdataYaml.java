package dev.proctor.problems;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.core.Rejection;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A group's testdata.yaml applied over the grading it inherits. Legacy keys ({@code grading}, {@code
 * grader_flags}, {@code accept_score}, {@code reject_score}, {@code on_reject}, {@code
 * input/output_validator_flags}) and 2023-07 ones ({@code scoring: {score, aggregation}}, {@code
 * input/output_validator_args}) are both read.
 */
final class TestdataYaml {

    static final String FILE = "testdata.yaml";

    private static final Set<String> VERDICT_FLAGS =
            Set.of("first_error", "worst_error", "always_accept", "accept_if_any_accepted", "ignore_sample");

    private TestdataYaml() {}

    static GroupGrading apply(Path dir, String where, GroupGrading inherited) {
        String file = where + "/" + FILE;
        JsonNode y = Yaml.read(dir.resolve(FILE), file);
        if (y.isEmpty()) {
            return inherited;
        }
        GroupGrading.Aggregation aggregation = inherited.aggregation();
        Set<String> flags = new LinkedHashSet<>(inherited.graderFlags());
        String grading = Yaml.text(Yaml.at(y, "grading"), file + ":grading");
        if (grading != null && !grading.equals("default")) {
            throw Rejection.unprocessable(
                    file + ":grading", file + ": grading " + grading + " is not supported (only default)");
        }
        List<String> graderFlags = Yaml.words(Yaml.at(y, "grader_flags"), file + ":grader_flags");
        if (!graderFlags.isEmpty()) {
            flags.clear();
            for (String f : graderFlags) {
                GroupGrading.Aggregation a = aggregation(f);
                if (a != null) {
                    aggregation = a;
                } else if (VERDICT_FLAGS.contains(f)) {
                    flags.add(f);
                } else {
                    throw Rejection.unprocessable(file + ":grader_flags", file + ": grader flag " + f + " is unknown");
                }
            }
        }
        double accept = number(y, "accept_score", file, inherited.acceptScore());
        double reject = number(y, "reject_score", file, inherited.rejectScore());
        Double max = inherited.maxScore();
        JsonNode scoring = Yaml.at(y, "scoring");
        if (!scoring.isMissingNode()) {
            String agg = Yaml.text(Yaml.at(scoring, "aggregation"), file + ":scoring.aggregation");
            if (agg != null) {
                GroupGrading.Aggregation a = aggregation(agg);
                if (a == null) {
                    throw Rejection.unprocessable(
                            file + ":scoring.aggregation", file + ": scoring.aggregation must be sum or min");
                }
                aggregation = a;
            }
            Double score = Yaml.number(Yaml.at(scoring, "score"), file + ":scoring.score");
            if (score != null) {
                max = score;
            }
        }
        GroupGrading.OnReject onReject = inherited.onReject();
        String r = Yaml.text(Yaml.at(y, "on_reject"), file + ":on_reject");
        if (r != null) {
            onReject = switch (r) {
                case "first_error", "break" -> GroupGrading.OnReject.FIRST_ERROR;
                case "grade", "continue" -> GroupGrading.OnReject.GRADE;
                default ->
                    throw Rejection.unprocessable(
                            file + ":on_reject", file + ": on_reject must be first_error or grade");
            };
        }
        List<String> in = inherited.inputValidatorFlags();
        List<String> out = inherited.outputValidatorFlags();
        for (String key : List.of("input_validator_flags", "input_validator_args")) {
            if (y.has(key)) {
                in = Yaml.words(Yaml.at(y, key), file + ":" + key);
            }
        }
        for (String key : List.of("output_validator_flags", "output_validator_args")) {
            if (y.has(key)) {
                out = Yaml.words(Yaml.at(y, key), file + ":" + key);
            }
        }
        return new GroupGrading(aggregation, accept, reject, onReject, Set.copyOf(flags), in, out, max);
    }

    private static GroupGrading.Aggregation aggregation(String w) {
        return switch (w) {
            case "sum" -> GroupGrading.Aggregation.SUM;
            case "min" -> GroupGrading.Aggregation.MIN;
            case "max" -> GroupGrading.Aggregation.MAX;
            case "avg" -> GroupGrading.Aggregation.AVG;
            default -> null;
        };
    }

    private static double number(JsonNode y, String key, String file, double fallback) {
        Double v = Yaml.number(Yaml.at(y, key), file + ":" + key);
        return v == null ? fallback : v;
    }
}
