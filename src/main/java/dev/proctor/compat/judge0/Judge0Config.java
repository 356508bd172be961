package dev.proctor.compat.judge0;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The Judge0 CE facade. */
@ConfigMapping(prefix = "proctor.judge0")
public interface Judge0Config {

    /**
     * Also serve the Judge0 routes at the root (/submissions, /languages…), for clients that take a host but
     * no path; the routes stay under /judge0 as well.
     */
    @WithDefault("false")
    boolean root();

    /** Language map: Judge0 ids to profiles, relative to the project directory. */
    @WithDefault("sandbox-profiles/compat/judge0-languages.json")
    String languagesFile();
}
