package io.deskpool.env.eval;

import io.deskpool.env.Plugins;
import io.deskpool.env.spi.Getter;
import io.deskpool.env.spi.Metric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * The metrics and getters this server has: the built-ins and any plugin jar on the class path, all found with
 * {@link ServiceLoader}. Two providers of one name are a configuration error, reported at start.
 */
public final class Evaluators {
    private static final Logger log = LoggerFactory.getLogger(Evaluators.class);

    private final Map<String, Metric> metrics;
    private final Map<String, Getter> getters;

    public Evaluators(Collection<Metric> metrics, Collection<Getter> getters) {
        this.metrics = Plugins.index(metrics, Metric::name, "metric");
        this.getters = Plugins.index(getters, Getter::type, "getter");
    }

    public static Evaluators load() {
        Evaluators e = new Evaluators(Plugins.load(Metric.class, Metric::name, "metric").values(),
                Plugins.load(Getter.class, Getter::type, "getter").values());
        log.info("Evaluators: {} metrics ({}), {} getters ({})", e.metrics.size(), String.join(", ", e.metrics.keySet()),
                e.getters.size(), String.join(", ", e.getters.keySet()));
        return e;
    }

    public Optional<Metric> metric(String name) {
        return Optional.ofNullable(metrics.get(name));
    }

    public Optional<Getter> getter(String type) {
        return Optional.ofNullable(getters.get(type));
    }

    public Collection<String> metricNames() {
        return metrics.keySet();
    }

    public Collection<String> getterTypes() {
        return getters.keySet();
    }
}
