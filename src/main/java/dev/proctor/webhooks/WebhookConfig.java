package dev.proctor.webhooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Delivery of job results to {@code callback_url}. */
@ConfigMapping(prefix = "proctor.webhooks")
public interface WebhookConfig {

    /** Allow loopback, link-local and private targets (never on a shared service). */
    @WithDefault("false")
    boolean allowPrivate();

    /** Deliveries tried before giving up. */
    @WithDefault("5")
    int attempts();

    /** Delay before the second try; doubled for each further one. */
    @WithDefault("PT1S")
    Duration backoff();

    /** Connect and response timeout of one try. */
    @WithDefault("PT10S")
    Duration timeout();
}
