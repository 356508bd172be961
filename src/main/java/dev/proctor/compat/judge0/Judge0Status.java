package dev.proctor.compat.judge0;

/** Judge0's submission statuses, with Judge0's ids and descriptions. */
public enum Judge0Status {
    IN_QUEUE(1, "In Queue"),
    PROCESSING(2, "Processing"),
    ACCEPTED(3, "Accepted"),
    WRONG_ANSWER(4, "Wrong Answer"),
    TIME_LIMIT_EXCEEDED(5, "Time Limit Exceeded"),
    COMPILATION_ERROR(6, "Compilation Error"),
    SIGSEGV(7, "Runtime Error (SIGSEGV)"),
    SIGXFSZ(8, "Runtime Error (SIGXFSZ)"),
    SIGFPE(9, "Runtime Error (SIGFPE)"),
    SIGABRT(10, "Runtime Error (SIGABRT)"),
    NZEC(11, "Runtime Error (NZEC)"),
    OTHER(12, "Runtime Error (Other)"),
    INTERNAL_ERROR(13, "Internal Error"),
    EXEC_FORMAT_ERROR(14, "Exec Format Error");

    public final int id;
    public final String description;

    Judge0Status(int id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The status of a run killed by {@code signal} (a name such as SIGSEGV). */
    static Judge0Status ofSignal(String signal) {
        return switch (signal) {
            case "SIGSEGV" -> SIGSEGV;
            case "SIGXFSZ" -> SIGXFSZ;
            case "SIGFPE" -> SIGFPE;
            case "SIGABRT" -> SIGABRT;
            default -> OTHER;
        };
    }
}
