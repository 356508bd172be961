package dev.proctor.jobs;

import dev.proctor.profiles.LimitSet;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The interactor of an interactive job: a program (its own {@code files} in {@code profile}) that talks to the
 * submission through two pipes, each in a sandbox of its own, and gives the verdict. {@code protocol} says how
 * it is run and how its exit reads: {@code testlib} ({@code interactor input.txt output.txt [answer.txt]}, exit
 * 0 ok, 1 wrong answer, 2 presentation error, 3 fail) or {@code kattis} ({@code interactor input judge_answer
 * feedback_dir/}, exit 42 accepted, 43 wrong answer). Each test's {@code stdin} is the interactor's input file
 * and its {@code expected_output} (optional) the answer file.
 */
public record InteractorDto(
        @Schema(enumeration = {"testlib", "kattis"}) String protocol,
        String profile,
        List<FileDto> files,

        @Schema(
                description = "the interactor's limits, within its profile's maximums; its wall time is raised to "
                        + "the submission's plus 2 s so that a submission that idles ends by its own limit")
        LimitSet limits) {}
