package dev.proctor.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code proctor-http-load} (src/bench/c/httpload.c) wrote: for every job {@code "J LATENCY_NS LENGTH\n"}
 * and the final response's body (LENGTH bytes, then {@code "\n"}), for a job that went wrong {@code "F REASON\n"},
 * and last {@code "E CPU_NS\n"}, the generator's own CPU. Anything else, or a file that stops before its last
 * line, is refused: a load generator that died midway must not pass for a quiet phase.
 */
record LoadOutput(List<Job> jobs, List<String> reasons, long cpuNanos) {

    /** How many jobs went wrong (one reason each). */
    long failures() {
        return reasons.size();
    }

    /** One job's latency and the body of its last answer. */
    record Job(long latencyNanos, byte[] body) {}

    static LoadOutput read(byte[] out) throws IOException {
        List<Job> jobs = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        int at = 0;
        while (at < out.length) {
            int eol = lineEnd(out, at);
            String line = new String(out, at, eol - at, StandardCharsets.ISO_8859_1);
            at = eol + 1;
            if (line.startsWith("J ")) {
                String[] f = line.split(" ");
                if (f.length != 3) {
                    throw new IOException("bad job line: " + line);
                }
                long latency = number(f[1], line);
                long length = number(f[2], line);
                if (length > out.length - at - 1 || out[at + (int) length] != '\n') {
                    throw new IOException("a job's body runs past the output: " + line);
                }
                byte[] body = new byte[(int) length];
                System.arraycopy(out, at, body, 0, body.length);
                at += body.length + 1;
                jobs.add(new Job(latency, body));
            } else if (line.startsWith("F ")) {
                reasons.add(line.substring(2));
            } else if (line.startsWith("E ") && at == out.length) {
                return new LoadOutput(List.copyOf(jobs), List.copyOf(reasons), number(line.substring(2), line));
            } else {
                throw new IOException("unexpected line in the load generator's output: " + line);
            }
        }
        throw new IOException("the load generator's output ends before its CPU line");
    }

    private static int lineEnd(byte[] out, int from) throws IOException {
        for (int i = from; i < out.length; i++) {
            if (out[i] == '\n') {
                return i;
            }
        }
        throw new IOException("the load generator's output ends inside a line");
    }

    private static long number(String s, String line) throws IOException {
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IOException("not a count in: " + line);
        }
    }
}
