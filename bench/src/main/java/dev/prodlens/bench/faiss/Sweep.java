package dev.prodlens.bench.faiss;

import java.util.ArrayList;
import java.util.List;

/**
 * Parameter sweeps in Faiss ParameterSpace syntax, so that the Python half applies the very same
 * strings: axes "nprobe=4/8" and "k_factor_rf=1/2" give "nprobe=4,k_factor_rf=1", ... The Java half
 * reads each with {@link dev.prodlens.core.faiss.SearchOptions#parse}, the parser the API and the
 * jobs read the bundle's tuned parameters with.
 */
final class Sweep {
    private Sweep() {}

    static List<String> settings(String[] axes) {
        List<String> settings = new ArrayList<>(List.of(""));
        for (String axis : axes) {
            String[] kv = axis.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("axis must be name=v1/v2/..., got " + axis);
            }
            List<String> next = new ArrayList<>();
            for (String prefix : settings) {
                for (String value : kv[1].split("/")) {
                    next.add((prefix.isEmpty() ? "" : prefix + ",") + kv[0] + "=" + value);
                }
            }
            settings = next;
        }
        return settings;
    }
}
