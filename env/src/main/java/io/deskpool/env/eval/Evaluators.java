package io.deskpool.env.eval;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.env.spi.Getter;
import io.deskpool.env.spi.Metric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The metrics and getters this server has: the built-ins and any plugin jar on the class path, all found with
 * {@link ServiceLoader}. Two providers of one name are a configuration error, reported at start.
 */
public final class Evaluators {
    private static final Logger log = LoggerFactory.getLogger(Evaluators.class);

    private final Map<String, Metric> metrics;
    private final Map<String, Getter> getters;

    public Evaluators(Collection<Metric> metrics, Collection<Getter> getters) {
        this.metrics = index(metrics, Metric::name, "metric");
        this.getters = index(getters, Getter::type, "getter");
    }

    public static Evaluators load() {
        ClassLoader cl = Evaluators.class.getClassLoader();
        var m = ServiceLoader.load(Metric.class, cl).stream().map(ServiceLoader.Provider::get).toList();
        var g = ServiceLoader.load(Getter.class, cl).stream().map(ServiceLoader.Provider::get).toList();
        Evaluators e = new Evaluators(m, g);
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

    private static <T> Map<String, T> index(Collection<T> all, java.util.function.Function<T, String> name, String what) {
        Map<String, T> map = new TreeMap<>();
        for (T t : all) {
            T before = map.put(name.apply(t), t);
            if (before != null) {
                throw new DeskpoolException(ErrorCode.INVALID_SETTING, "two " + what + "s are named '" + name.apply(t)
                        + "': " + before.getClass().getName() + " and " + t.getClass().getName()
                        + " (remove one plugin jar from the class path)");
            }
        }
        return Map.copyOf(map);
    }
}
