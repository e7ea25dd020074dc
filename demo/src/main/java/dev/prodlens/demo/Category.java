package dev.prodlens.demo;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * A product category of a generated catalogue: its readable label and the range its prices are
 * drawn from (so a sofa costs more than an apple).
 */
record Category(String label, double minPrice, double maxPrice) {
    /**
     * Price steps between min and max: fine enough that items of a category rarely share a price.
     */
    private static final int PRICE_STEPS = 1000;

    /**
     * A shop-like price ending in .99 in [min, max], fixed by {@code key} (the same key, the same
     * price).
     */
    double price(String key) {
        double share = (double) (hash(key) % PRICE_STEPS) / PRICE_STEPS;
        return Math.floor(minPrice + share * (maxPrice - minPrice)) + 0.99;
    }

    /**
     * A hash of {@code key} that is the same on every JVM and machine (CRC-32 of its UTF-8 bytes),
     * for generated choices.
     */
    static long hash(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
