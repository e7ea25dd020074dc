package dev.prodlens.jobs.match;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/** Predicted pairs of listings as one long each (8 bytes, not a row) on their way to the driver. */
final class Pairs {
    private Pairs() {}

    static long of(int first, int second) {
        return ((long) first << 32) | (second & 0xffffffffL);
    }

    static int first(long pair) {
        return (int) (pair >>> 32);
    }

    static int second(long pair) {
        return (int) pair;
    }

    /**
     * Each listing's neighbours ({@link NeighbourSearch#SCHEMA}) scoring at least {@code
     * threshold}, lazily: one listing's in memory at a time.
     */
    static MapPartitionsFunction<Row, Long> above(double threshold) {
        return rows ->
                new Iterator<>() {
                    private final Deque<Long> ready = new ArrayDeque<>();

                    @Override
                    public boolean hasNext() {
                        while (ready.isEmpty() && rows.hasNext()) {
                            Row row = rows.next();
                            List<Integer> found = row.getList(1);
                            List<Float> scores = row.getList(2);
                            for (int r = 0; r < found.size() && scores.get(r) >= threshold; r++)
                                ready.add(of(row.getInt(0), found.get(r)));
                        }
                        return !ready.isEmpty();
                    }

                    @Override
                    public Long next() {
                        if (!hasNext()) throw new NoSuchElementException();
                        return ready.poll();
                    }
                };
    }
}
