package dev.prodlens.bench.adapt;

import dev.prodlens.core.adapt.GroupSplit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One catalogue's labelled vectors, split whole groups at a time into the part methods learn from,
 * the part a method and dimension are chosen on, and the part the figures are reported on. Items of
 * one group match each other; no group is in two parts.
 *
 * @param name the catalogue's name in the table and the summary line
 * @param how how the groups were split, in words
 */
public record LabelledSet(
        String name, String how, List<Item> train, List<Item> validation, List<Item> test) {

    /** One labelled item: its group and its raw (backbone) vector. */
    public record Item(String group, float[] vector) {}

    /** Splits {@code items} by their group's part. */
    static LabelledSet split(
            String name, String how, List<Item> items, Function<String, GroupSplit.Part> partOf) {
        List<Item> train = new ArrayList<>();
        List<Item> validation = new ArrayList<>();
        List<Item> test = new ArrayList<>();
        for (Item item : items) {
            switch (partOf.apply(item.group())) {
                case TRAIN -> train.add(item);
                case VALIDATION -> validation.add(item);
                case TEST -> test.add(item);
            }
        }
        return new LabelledSet(name, how, train, validation, test);
    }

    /** The raw vectors' dimension. */
    int dim() {
        return train.get(0).vector().length;
    }

    /**
     * Why no method can be learned, chosen and scored on this set, if so: each part needs two
     * groups with at least two items (among the items of one such group every result is a match, so
     * no method could do better or worse than another; and learning needs matching pairs).
     */
    Optional<String> tooSmall() {
        List<String> lacking = new ArrayList<>();
        List<String> names = List.of("train", "validation", "test");
        List<List<Item>> parts = List.of(train, validation, test);
        for (int i = 0; i < parts.size(); i++) {
            long matched = matchedGroups(parts.get(i));
            if (matched < 2) lacking.add(names.get(i) + " " + matched);
        }
        if (lacking.isEmpty()) return Optional.empty();
        return Optional.of(
                String.format(
                        Locale.ROOT,
                        "%s: too small for its split (%s): groups with 2+ items: %s (each part"
                                + " needs 2); %d items in all",
                        name,
                        how,
                        String.join(", ", lacking),
                        train.size() + validation.size() + test.size()));
    }

    /** One line: sizes of the parts in items and groups. */
    String describe() {
        return String.format(
                Locale.ROOT,
                "%s: %d labelled items of dimension %d; %s: train %d, validation %d, test %d items"
                        + " (%d / %d / %d groups)",
                name,
                train.size() + validation.size() + test.size(),
                dim(),
                how,
                train.size(),
                validation.size(),
                test.size(),
                groups(train).size(),
                groups(validation).size(),
                groups(test).size());
    }

    /** Items by group, in the order they first appear. */
    static Map<String, List<float[]>> groups(List<Item> items) {
        Map<String, List<float[]>> byGroup = new LinkedHashMap<>();
        for (Item item : items) {
            byGroup.computeIfAbsent(item.group(), g -> new ArrayList<>()).add(item.vector());
        }
        return byGroup;
    }

    private static long matchedGroups(List<Item> items) {
        Map<String, Integer> sizes = new HashMap<>();
        for (Item item : items) sizes.merge(item.group(), 1, Integer::sum);
        return sizes.values().stream().filter(n -> n >= 2).count();
    }
}
