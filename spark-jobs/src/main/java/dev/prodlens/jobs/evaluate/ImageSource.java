package dev.prodlens.jobs.evaluate;

import java.io.IOException;

/**
 * Where the report gets an item's image bytes for its thumbnail. An interface so the report does
 * not depend on storage: the evaluate job reads through Hadoop's FileSystem (local, HDFS, S3A),
 * tests read local files.
 */
@FunctionalInterface
public interface ImageSource {
    /**
     * The encoded image of an item.
     *
     * @param ordinal the item's ordinal
     * @param ref its image path or URI from {@link EvalData#imageRefs()}, or null when unknown
     * @throws IOException when the image cannot be read; the report shows a placeholder instead
     */
    byte[] read(int ordinal, String ref) throws IOException;

    /**
     * Images read as the embed job reads them: through Hadoop, capped at {@code maxBytes}
     * (decode.max-bytes).
     */
    static ImageSource hadoop(org.apache.hadoop.conf.Configuration hadoop, long maxBytes) {
        return (ordinal, ref) -> dev.prodlens.jobs.embed.ImageFiles.read(ref, maxBytes, hadoop);
    }
}
