package dev.prodlens.core.embed;

/** The DJL engine that runs the exported model, and which exported file it reads. */
public enum ModelEngine {
    /**
     * TorchScript through DJL's PyTorch engine (libtorch from the pytorch-native jar); the CUDA
     * path.
     */
    PYTORCH("PyTorch", "torchscript"),
    /** ONNX through DJL's ONNX Runtime engine: the default, the fastest on CPU (bench/embed.sh). */
    ONNX_RUNTIME("OnnxRuntime", "onnx");

    private final String djlName;
    private final String cardFileKey;

    ModelEngine(String djlName, String cardFileKey) {
        this.djlName = djlName;
        this.cardFileKey = cardFileKey;
    }

    /** The engine name DJL knows it by. */
    public String djlName() {
        return djlName;
    }

    /** The key of this engine's file in the model card's {@code files} and {@code sha256}. */
    String cardFileKey() {
        return cardFileKey;
    }
}
