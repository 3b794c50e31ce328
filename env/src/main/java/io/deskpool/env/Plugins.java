package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;

import java.util.Collection;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Plugins of one SPI type found with {@link ServiceLoader} (built-ins and jars on the class path), by name. Two
 * plugins of one name are a configuration error at start: which one would win is up to class path order.
 */
public final class Plugins {
    private Plugins() {
    }

    /** Every {@code type} plugin on the class path that loaded {@code Plugins}, by name. */
    public static <T> Map<String, T> load(Class<T> type, Function<T, String> name, String what) {
        var found = ServiceLoader.load(type, Plugins.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).toList();
        return index(found, name, what);
    }

    /** {@code all} by name; fails naming both classes when two share a name. */
    public static <T> Map<String, T> index(Collection<T> all, Function<T, String> name, String what) {
        Map<String, T> map = new TreeMap<>();
        for (T t : all) {
            T before = map.put(name.apply(t), t);
            if (before != null) {
                throw new DeskpoolException(ErrorCode.INVALID_SETTING, "two " + what + "s are named '" + name.apply(t)
                        + "': " + before.getClass().getName() + " and " + t.getClass().getName()
                        + " (remove one plugin jar from the class path)");
            }
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
