package dev.prodlens.core.config;

/** Bad or missing configuration; the message names the key and says how to fix it. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
