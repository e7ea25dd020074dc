package dev.prodlens.core.embed;

/**
 * Where the model runs: the CPU, a GPU (an error when there is none), or a GPU when the engine sees
 * one.
 */
public enum DeviceChoice {
    CPU,
    GPU,
    AUTO
}
