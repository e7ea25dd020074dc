package dev.prodlens.core.config;

import dev.prodlens.core.UserError;

/** Bad or missing configuration; the message names the key and says how to fix it. */
public final class ConfigException extends UserError {
    public ConfigException(String message) {
        super(message);
    }
}
