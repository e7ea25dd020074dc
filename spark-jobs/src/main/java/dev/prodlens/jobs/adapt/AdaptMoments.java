package dev.prodlens.jobs.adapt;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.adapt.Scatter;
import dev.prodlens.jobs.index.Vectors;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

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
    public record Moments(Scatter all, Scatter pairs, long groups) {}

    private AdaptMoments() {}

    /**
     * The moments of the train split of {@code labelled}: rows of {@code (label_group string,
     * embedding array<float>)} of dimension {@code dim}; rows without a group are left out.
     */
    public static Moments of(
            Dataset<Row> labelled, GroupSplit split, int dim, int maxPairsPerGroup) {
        // not cached: the rows come from the cached items, and turning one into a float[] costs
        // nothing beside the dim x dim update it feeds; a cached copy of the train split would hold
        // 3 GB of a million 1,280-d vectors on the executors
        JavaPairRDD<String, float[]> train =
                labelled.javaRDD()
                        .filter(r -> !r.isNullAt(0) && !r.isNullAt(1))
                        .filter(r -> split.of(r.getString(0)) == GroupSplit.Part.TRAIN)
                        .mapToPair(
                                r -> {
                                    float[] v = new float[dim];
                                    Vectors.copy(r, 1, dim, v, 0);
                                    return new Tuple2<>(r.getString(0), v);
                                });
        Scatter all = train.values().treeAggregate(new Scatter(dim), Scatter::add, Scatter::merge);
        JavaPairRDD<String, Iterable<float[]>> groups = train.groupByKey();
        Scatter pairs =
                groups.values()
                        .treeAggregate(
                                new Scatter(dim),
                                (s, members) -> addPairs(s, members, maxPairsPerGroup),
                                Scatter::merge);
        return new Moments(all, pairs, groups.count());
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
