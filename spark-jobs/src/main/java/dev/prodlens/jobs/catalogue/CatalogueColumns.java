package dev.prodlens.jobs.catalogue;

import static dev.prodlens.core.config.ConfigKeys.*;

import dev.prodlens.core.config.Config;
import java.io.Serializable;
import java.util.Map;

/**
 * Which source columns hold the catalogue's fields. Defaults are the Shopee product-matching schema
 * ({@code posting_id, image, title, label_group}) plus {@code category, price}; {@code
 * catalogue.column.<field>} in conf maps other names.
 */
public record CatalogueColumns(
        String id, String image, String title, String labelGroup, String category, String price)
        implements Serializable {
    /** The defaults: the Shopee product-matching schema. */
    public static final CatalogueColumns SHOPEE = from(Config.of(Map.of()));

    public static CatalogueColumns from(Config config) {
        return new CatalogueColumns(
                config.get(CATALOGUE_COLUMN_ID),
                config.get(CATALOGUE_COLUMN_IMAGE),
                config.get(CATALOGUE_COLUMN_TITLE),
                config.get(CATALOGUE_COLUMN_LABEL_GROUP),
                config.get(CATALOGUE_COLUMN_CATEGORY),
                config.get(CATALOGUE_COLUMN_PRICE));
    }
}
