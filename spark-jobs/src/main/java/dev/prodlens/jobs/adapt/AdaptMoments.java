package dev.prodlens.jobs.adapt;

import static org.apache.spark.sql.functions.col;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.adapt.Scatter;
import dev.prodlens.jobs.index.Vectors;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The moments the whitening learners need (issue 18), aggregated where the vectors are: each
 * executor sums its partitions' vectors into a {@link Scatter}, and the driver merges one per
 * partition (a tree aggregate), so the driver never holds the vectors. Only the train groups of the
 * {@link GroupSplit} are read: nothing is learned from a group that validation or test scores.
 *
 * <p>The matching pairs are the pairs within each train group (its photos are few: a product's
 * listings), at most {@code maxPairsPerGroup} of them per group, so one huge group does not swamp
 * the others.
 */
public final class AdaptMoments {
    /**
     * @param all the train vectors
     * @param pairs the differences of matching train pairs
     * @param groups train groups
     */
    public record Moments(Scatter all, Scatter pairs, long groups) implements Serializable {
        Moments merge(Moments other) {
            return new Moments(
                    all.merge(other.all), pairs.merge(other.pairs), groups + other.groups);
        }
    }

    private AdaptMoments() {}

    /**
     * The moments of the train split of {@code labelled}: rows of {@code (group string, embedding
     * array<float>)} of dimension {@code dim}; rows without a group are left out.
     *
     * <p>One pass and one shuffle: the rows are partitioned by group and sorted by group and
     * vector, so each task meets a group's members one after another, adds each to the moments of
     * all vectors and keeps only the few its pairs use. Not cached: the rows come from the cached
     * items, and a cached copy of the train split would hold gigabytes on the executors.
     */
    public static Moments of(
            Dataset<Row> labelled, GroupSplit split, int dim, int maxPairsPerGroup) {
        Column group = col(labelled.columns()[0]);
        Column vector = col(labelled.columns()[1]);
        return labelled.select(group, vector)
                .filter(group.isNotNull().and(vector.isNotNull()))
                .repartition(group)
                .sortWithinPartitions(group, vector)
                .javaRDD()
                .mapPartitions(
                        rows -> List.of(ofRuns(rows, split, dim, maxPairsPerGroup)).iterator())
                .treeReduce(Moments::merge);
    }

    /** The moments of rows sorted by group: each group's members come one after another. */
    private static Moments ofRuns(Iterator<Row> rows, GroupSplit split, int dim, int max) {
        Scatter all = new Scatter(dim);
        Scatter pairs = new Scatter(dim);
        long groups = 0;
        String current = null;
        boolean train = false;
        // the pairs taken (addPairs' order) pair member 0 with the others first, so no pair
        // reaches past member max: a huge group costs max + 1 vectors of memory, not all of them
        List<float[]> members = new ArrayList<>();
        while (rows.hasNext()) {
            Row r = rows.next();
            String g = r.getString(0);
            if (!g.equals(current)) {
                if (train) {
                    addPairs(pairs, members, max);
                    groups++;
                }
                members.clear();
                current = g;
                train = split.of(g) == GroupSplit.Part.TRAIN;
            }
            if (!train) continue;
            float[] v = new float[dim];
            Vectors.copy(r, 1, dim, v, 0);
            all.add(v);
            if (members.size() <= max) members.add(v);
        }
        if (train) {
            addPairs(pairs, members, max);
            groups++;
        }
        return new Moments(all, pairs, groups);
    }

    /**
     * The moments of every vector of {@code items} (an {@code embedding} column), for the
     * PCA-whitening, which needs no groups.
     */
    public static Scatter ofAll(Dataset<Row> items, int dim) {
        return items.select("embedding")
                .javaRDD()
                .treeAggregate(
                        new Scatter(dim),
                        (s, r) -> {
                            float[] v = new float[dim];
                            Vectors.copy(r, 0, dim, v, 0);
                            return s.add(v);
                        },
                        Scatter::merge);
    }

    /**
     * Adds the differences of the group's pairs, the first {@code max} of them with the members in
     * a fixed order (by their values: Spark delivers a group's members in any order, and the same
     * catalogue must learn the same projection). Public for bench/adapt.sh, which learns the way
     * the job does.
     */
    public static Scatter addPairs(Scatter s, Iterable<float[]> members, int max) {
        List<float[]> list = new ArrayList<>();
        members.forEach(list::add);
        list.sort(java.util.Arrays::compare);
        int added = 0;
        for (int a = 0; a < list.size() && added < max; a++) {
            for (int b = a + 1; b < list.size() && added < max; b++, added++) {
                s.addDifference(list.get(a), list.get(b));
            }
        }
        return s;
    }
}
