package dev.prodlens.core.adapt;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The honest protocol of issue 18: every label group falls, whole, into one of train, validation
 * and test by a hash of its name, so a method never learns from a group it is scored on, and the
 * same catalogue splits the same way on every machine and every run (SHA-256, not {@code
 * String.hashCode}, which is not specified to be stable across JVMs' strings of other origins and
 * clusters badly on similar names).
 *
 * @param validationShare the share of groups held out to choose a method and dimension
 * @param testShare the share of groups the figures are reported on (never trained or tuned on)
 */
public record GroupSplit(double validationShare, double testShare) implements java.io.Serializable {

    /** Which part of the split a group is in. */
    public enum Part {
        TRAIN,
        VALIDATION,
        TEST
    }

    /** 60% of the groups to learn from, 20% to choose with, 20% to report. */
    public static final GroupSplit DEFAULT = new GroupSplit(0.2, 0.2);

    public GroupSplit {
        if (!(validationShare >= 0 && testShare > 0 && validationShare + testShare < 1)) {
            throw new IllegalArgumentException(
                    "a split needs a test share above 0 and validation + test below 1; got "
                            + validationShare
                            + " and "
                            + testShare);
        }
    }

    /** The part {@code group} is in; the same answer for the same name everywhere. */
    public Part of(String group) {
        return partAt(unit(group));
    }

    /**
     * Where {@code group} falls within its part, in [0, 1), uniform over the part's names: the
     * groups below a fraction {@code f} are a deterministic sample of about {@code f} of the part,
     * taken whole.
     */
    public double rank(String group) {
        return rankAt(unit(group));
    }

    /**
     * Whether {@code group} is in {@code part} with a {@link #rank} below {@code fraction} (every
     * group of the part when it is 1 or more): {@link #of} and {@link #rank} with one hash of the
     * name, for filters over every row of a catalogue.
     */
    public boolean keeps(String group, Part part, double fraction) {
        double u = unit(group);
        return partAt(u) == part && (fraction >= 1 || rankAt(u) < fraction);
    }

    private Part partAt(double u) {
        if (u < testShare) return Part.TEST;
        if (u < testShare + validationShare) return Part.VALIDATION;
        return Part.TRAIN;
    }

    private double rankAt(double u) {
        if (u < testShare) return u / testShare;
        if (u < testShare + validationShare) return (u - testShare) / validationShare;
        return (u - testShare - validationShare) / (1 - testShare - validationShare);
    }

    /** The group's name hashed to a number in [0, 1), uniform over names. */
    static double unit(String group) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(group.getBytes(StandardCharsets.UTF_8));
            long bits = ByteBuffer.wrap(digest).getLong() >>> 11; // 53 bits
            return bits / (double) (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
