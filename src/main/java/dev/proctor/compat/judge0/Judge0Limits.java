package dev.proctor.compat.judge0;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;

/**
 * The defaults and bounds of a submission, Judge0 CE's own (what its /config_info reports): clients that
 * leave a limit out get what Judge0 would give them.
 */
final class Judge0Limits {

    static final BigDecimal CPU_TIME_LIMIT = new BigDecimal("5.0");
    static final BigDecimal MAX_CPU_TIME_LIMIT = new BigDecimal("15.0");
    static final BigDecimal CPU_EXTRA_TIME = new BigDecimal("1.0");
    static final BigDecimal MAX_CPU_EXTRA_TIME = new BigDecimal("5.0");
    static final BigDecimal WALL_TIME_LIMIT = new BigDecimal("10.0");
    static final BigDecimal MAX_WALL_TIME_LIMIT = new BigDecimal("20.0");
    static final int MEMORY_LIMIT_KB = 128000;
    static final int MIN_MEMORY_LIMIT_KB = 2048;
    static final int MAX_MEMORY_LIMIT_KB = 512000;
    static final int STACK_LIMIT_KB = 64000;
    static final int MAX_STACK_LIMIT_KB = 128000;
    static final int MAX_PROCESSES = 60;
    static final int MAX_MAX_PROCESSES = 120;
    static final int MAX_FILE_SIZE_KB = 1024;
    static final int MAX_MAX_FILE_SIZE_KB = 4096;
    static final int NUMBER_OF_RUNS = 1;
    static final int MAX_NUMBER_OF_RUNS = 20;
    static final int MAX_BATCH = 20;
    static final int CALLBACK_TRIES = 3;
    static final int MAX_EXTRACT_SIZE_KB = 10240;

    private Judge0Limits() {}

    /** GET /config_info. */
    static ObjectNode configInfo(int maxQueueSize) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("maintenance_mode", false);
        n.put("enable_wait_result", true);
        n.put("enable_compiler_options", false);
        n.putArray("allowed_languages_for_compile_options");
        n.put("enable_command_line_arguments", true);
        n.put("enable_submission_delete", true);
        n.put("enable_callbacks", true);
        n.put("callbacks_max_tries", CALLBACK_TRIES);
        n.put("callbacks_timeout", 5.0);
        n.put("enable_additional_files", true);
        n.put("max_queue_size", maxQueueSize);
        n.put("cpu_time_limit", CPU_TIME_LIMIT.doubleValue());
        n.put("max_cpu_time_limit", MAX_CPU_TIME_LIMIT.doubleValue());
        n.put("cpu_extra_time", CPU_EXTRA_TIME.doubleValue());
        n.put("max_cpu_extra_time", MAX_CPU_EXTRA_TIME.doubleValue());
        n.put("wall_time_limit", WALL_TIME_LIMIT.doubleValue());
        n.put("max_wall_time_limit", MAX_WALL_TIME_LIMIT.doubleValue());
        n.put("memory_limit", MEMORY_LIMIT_KB);
        n.put("max_memory_limit", MAX_MEMORY_LIMIT_KB);
        n.put("stack_limit", STACK_LIMIT_KB);
        n.put("max_stack_limit", MAX_STACK_LIMIT_KB);
        n.put("max_processes_and_or_threads", MAX_PROCESSES);
        n.put("max_max_processes_and_or_threads", MAX_MAX_PROCESSES);
        n.put("enable_per_process_and_thread_time_limit", false);
        n.put("allow_enable_per_process_and_thread_time_limit", true);
        n.put("enable_per_process_and_thread_memory_limit", false);
        n.put("allow_enable_per_process_and_thread_memory_limit", true);
        n.put("max_file_size", MAX_FILE_SIZE_KB);
        n.put("max_max_file_size", MAX_MAX_FILE_SIZE_KB);
        n.put("number_of_runs", NUMBER_OF_RUNS);
        n.put("max_number_of_runs", MAX_NUMBER_OF_RUNS);
        n.put("redirect_stderr_to_stdout", false);
        n.put("max_extract_size", MAX_EXTRACT_SIZE_KB);
        n.put("enable_batched_submissions", true);
        n.put("max_submission_batch_size", MAX_BATCH);
        n.put("submission_cache_duration", 0.0);
        n.put("use_docs_as_homepage", false);
        n.put("allow_enable_network", false);
        n.put("enable_network", false);
        return n;
    }
}
