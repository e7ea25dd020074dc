package dev.prodlens.core.eval;

import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import java.util.ArrayList;
import java.util.List;

/**
 * Anything that maps encoded images to unit vectors compared by inner product: a model or a
 * baseline.
 */
public interface ImageVectoriser {
    String name();

    /** One vector per image, in order; null where the image could not be processed. */
    List<float[]> vectors(List<byte[]> images);

    /** The embedding model as a vectoriser. */
    static ImageVectoriser of(Embedder embedder, String name) {
        return new ImageVectoriser() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<float[]> vectors(List<byte[]> images) {
                List<float[]> out = new ArrayList<>(images.size());
                for (EmbedResult r : embedder.embed(images)) out.add(r.isOk() ? r.vector() : null);
                return out;
            }
        };
    }
}
