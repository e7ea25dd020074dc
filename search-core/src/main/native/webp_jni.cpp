// JNI binding of libwebp's decoding API for dev.prodlens.core.image.LibWebp: a header probe and a
// decode to packed TYPE_INT_RGB pixels, optionally scaled down by libwebp's own rescaler while
// decoding, with any transparency composited onto white. Links Debian's libwebp.so.7 (see
// Makefile for why not the static archive); only Java_* symbols are exported.
//
// No C++ exception leaves this file: every failure becomes a Java exception (LibWebp$Failure for
// what the data caused, IllegalArgumentException or NullPointerException for bad arguments,
// OutOfMemoryError when we or libwebp run out of native memory).
#include "dev_prodlens_core_image_LibWebp.h"

#include <jni.h>
#include <webp/decode.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "codec_jni.h"

namespace {

using codec_jni::throw_new;

// Keep in step with LibWebp.java.
constexpr jint STATUS_OK = 0;
constexpr jint STATUS_TOO_MANY_PIXELS = 1;
constexpr jint STATUS_ANIMATED = 2;
constexpr jint FORMAT_LOSSY = 0;
constexpr jint FORMAT_LOSSLESS = 1;
constexpr jint FORMAT_MIXED = 2;
constexpr jint INFO_LENGTH = 7;  // status, width, height, decoded width, height, alpha, format

using Bytes = codec_jni::MallocPtr<uint8_t>;

// The decoder's output buffer, freed whatever happens (WebPFreeDecBuffer is a no-op when empty).
struct DecoderConfig {
    WebPDecoderConfig config;
    bool ready = WebPInitDecoderConfig(&config) != 0;
    DecoderConfig() = default;
    DecoderConfig(const DecoderConfig&) = delete;
    DecoderConfig& operator=(const DecoderConfig&) = delete;
    ~DecoderConfig() {
        if (ready) {
            WebPFreeDecBuffer(&config.output);
        }
    }
};

// LibWebp.Failure(String message, int status)
void throwFailure(JNIEnv* env, const std::string& message, VP8StatusCode status) {
    jvalue extra;
    extra.i = static_cast<jint>(status);
    codec_jni::throwFailure(env, "dev/prodlens/core/image/LibWebp$Failure",
                            "(Ljava/lang/String;I)V", message, extra);
}

// A libwebp status in a few words. The non-incremental decoder says NOT_ENOUGH_DATA when the data
// ends before the RIFF size or the image does, and SUSPENDED when a bit reader runs past the
// end: both are truncation (see LibWebp.Failure#truncated).
const char* describe(VP8StatusCode status) {
    switch (status) {
        case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
        case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
        case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
        case VP8_STATUS_SUSPENDED: return "the data ends inside the image";
        case VP8_STATUS_USER_ABORT: return "decoding aborted";
        case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data";
        default: return "unknown libwebp status";
    }
}

// A status other than OK as a Java exception: a Failure, but an OutOfMemoryError when libwebp
// could not allocate (about this process, not the image).
void throwStatus(JNIEnv* env, VP8StatusCode status) {
    if (status == VP8_STATUS_OUT_OF_MEMORY) {
        throw_new(env, "java/lang/OutOfMemoryError", "libwebp could not allocate its buffers");
    } else {
        throwFailure(env, describe(status), status);
    }
}

bool checkInfo(JNIEnv* env, jbyteArray webp, jintArray info) {
    if (webp == nullptr || info == nullptr) {
        throw_new(env, "java/lang/NullPointerException", "webp and info are required");
        return false;
    }
    if (env->GetArrayLength(info) < INFO_LENGTH) {
        throw_new(env, "java/lang/IllegalArgumentException", "info must hold 7 ints");
        return false;
    }
    return true;
}

// A copy of the bytes outside the Java heap, so that no GC lock is held while libwebp works.
Bytes copyBytes(JNIEnv* env, jbyteArray webp, size_t* size) {
    const jsize length = env->GetArrayLength(webp);
    *size = static_cast<size_t>(length);
    Bytes data(static_cast<uint8_t*>(std::malloc(length > 0 ? *size : 1)));
    if (!data) {
        throw_new(env, "java/lang/OutOfMemoryError", "no native memory for the WebP's bytes");
        return nullptr;
    }
    env->GetByteArrayRegion(webp, 0, length, reinterpret_cast<jbyte*>(data.get()));
    if (env->ExceptionCheck()) {
        return nullptr;
    }
    return data;
}

// The header (RIFF chunks and the VP8/VP8L frame header; no pixel data) into features and
// out[1..2, 5..6]; status OK or ANIMATED in out[0]. False with an exception pending when the
// header is unreadable.
bool readFeatures(JNIEnv* env, const uint8_t* data, size_t size, WebPBitstreamFeatures* features,
                  jint* out) {
    const VP8StatusCode status = WebPGetFeatures(data, size, features);
    if (status != VP8_STATUS_OK) {
        throwStatus(env, status);
        return false;
    }
    if (features->width < 1 || features->height < 1) {
        throwFailure(env, "header: image has no pixels", VP8_STATUS_BITSTREAM_ERROR);
        return false;
    }
    out[0] = features->has_animation ? STATUS_ANIMATED : STATUS_OK;
    out[1] = features->width;
    out[2] = features->height;
    out[5] = features->has_alpha ? 1 : 0;
    out[6] = features->format == 1 ? FORMAT_LOSSY
             : features->format == 2 ? FORMAT_LOSSLESS : FORMAT_MIXED;
    return true;
}

// The smallest size whose shorter side is still at least targetMinSide, same aspect ratio (the
// longer side rounded to the nearest integer); full size when targetMinSide is 0 or the image is
// not larger. Sides are at most 16383 (the format's limit), so nothing overflows.
void chooseSize(int width, int height, int targetMinSide, int* outWidth, int* outHeight) {
    *outWidth = width;
    *outHeight = height;
    const int shorter = width < height ? width : height;
    if (targetMinSide <= 0 || shorter <= targetMinSide) {
        return;
    }
    const long long longer = width < height ? height : width;
    const int scaledLonger =
            static_cast<int>((2 * longer * targetMinSide + shorter) / (2LL * shorter));
    *outWidth = width < height ? targetMinSide : scaledLonger;
    *outHeight = width < height ? scaledLonger : targetMinSide;
}

// BGRA bytes read as a little-endian int are 0xAARRGGBB (straight alpha): each pixel composited
// onto white, out = c * a / 255 + 255 * (1 - a / 255), rounded; the top byte left 0 (INT_RGB).
void flattenOnWhite(uint32_t* pixels, size_t count, bool alpha) {
    for (size_t i = 0; i < count; i++) {
        const uint32_t p = pixels[i];
        const uint32_t a = p >> 24;
        if (!alpha || a == 255) {
            pixels[i] = p & 0x00FFFFFFu;
            continue;
        }
        const uint32_t white = 255 * (255 - a) + 127;
        const uint32_t r = ((p >> 16 & 0xFF) * a + white) / 255;
        const uint32_t g = ((p >> 8 & 0xFF) * a + white) / 255;
        const uint32_t b = ((p & 0xFF) * a + white) / 255;
        pixels[i] = r << 16 | g << 8 | b;
    }
}

jintArray decode(JNIEnv* env, jbyteArray webp, jint targetMinSide, jlong maxPixels,
                 jintArray info) {
    if (!checkInfo(env, webp, info)) {
        return nullptr;
    }
    if (targetMinSide < 0 || maxPixels < 1) {
        throw_new(env, "java/lang/IllegalArgumentException",
                 "targetMinSide must be >= 0 and maxPixels >= 1");
        return nullptr;
    }
    size_t size = 0;
    Bytes data = copyBytes(env, webp, &size);
    if (!data) {
        return nullptr;
    }
    DecoderConfig dc;
    if (!dc.ready) {
        throwFailure(env, "libwebp's decoder ABI does not match its header",
                     VP8_STATUS_INVALID_PARAM);
        return nullptr;
    }
    WebPDecoderConfig& config = dc.config;
    jint out[INFO_LENGTH] = {STATUS_OK, 0, 0, 0, 0, 0, 0};
    if (!readFeatures(env, data.get(), size, &config.input, out)) {
        return nullptr;
    }
    const int width = config.input.width;
    const int height = config.input.height;
    if (static_cast<long long>(width) * height > maxPixels) {
        out[0] = STATUS_TOO_MANY_PIXELS;
    }
    if (out[0] != STATUS_OK) {  // too many pixels, or an animation: nothing decoded
        env->SetIntArrayRegion(info, 0, INFO_LENGTH, out);
        return nullptr;
    }
    int outWidth = 0, outHeight = 0;
    chooseSize(width, height, targetMinSide, &outWidth, &outHeight);
    const long long pixels = static_cast<long long>(outWidth) * outHeight;
    if (pixels > INT_MAX / 4) {
        throwFailure(env, "decoded size out of range", VP8_STATUS_INVALID_PARAM);
        return nullptr;
    }
    if (outWidth != width || outHeight != height) {
        config.options.use_scaling = 1;
        config.options.scaled_width = outWidth;
        config.options.scaled_height = outHeight;
    }
    config.output.colorspace = MODE_BGRA;  // libwebp allocates it; ~DecoderConfig frees it
    const VP8StatusCode status = WebPDecode(data.get(), size, &config);
    if (status != VP8_STATUS_OK) {
        throwStatus(env, status);
        return nullptr;
    }
    const WebPRGBABuffer& rgba = config.output.u.RGBA;
    if (config.output.width != outWidth || config.output.height != outHeight
            || rgba.rgba == nullptr || rgba.stride != outWidth * 4) {
        throwFailure(env, "libwebp returned an unexpected buffer", VP8_STATUS_INVALID_PARAM);
        return nullptr;
    }
    uint32_t* argb = reinterpret_cast<uint32_t*>(rgba.rgba);
    flattenOnWhite(argb, static_cast<size_t>(pixels), config.input.has_alpha != 0);
    jintArray result = env->NewIntArray(static_cast<jsize>(pixels));
    if (result == nullptr) {
        return nullptr;  // OutOfMemoryError pending
    }
    env->SetIntArrayRegion(result, 0, static_cast<jsize>(pixels),
                           reinterpret_cast<const jint*>(argb));
    out[3] = outWidth;
    out[4] = outHeight;
    env->SetIntArrayRegion(info, 0, INFO_LENGTH, out);
    if (env->ExceptionCheck()) {
        return nullptr;
    }
    return result;
}

void probe(JNIEnv* env, jbyteArray webp, jintArray info) {
    if (!checkInfo(env, webp, info)) {
        return;
    }
    size_t size = 0;
    Bytes data = copyBytes(env, webp, &size);
    if (!data) {
        return;
    }
    WebPBitstreamFeatures features;
    jint out[INFO_LENGTH] = {STATUS_OK, 0, 0, 0, 0, 0, 0};
    if (readFeatures(env, data.get(), size, &features, out)) {
        env->SetIntArrayRegion(info, 0, INFO_LENGTH, out);
    }
}

}  // namespace

extern "C" JNIEXPORT jintArray JNICALL Java_dev_prodlens_core_image_LibWebp_decode(
        JNIEnv* env, jclass, jbyteArray webp, jint targetMinSide, jlong maxPixels,
        jintArray info) {
    try {
        return decode(env, webp, targetMinSide, maxPixels, info);
    } catch (...) {
        codec_jni::throwCaught(env, "the WebP decoder");
    }
    return nullptr;
}

extern "C" JNIEXPORT void JNICALL Java_dev_prodlens_core_image_LibWebp_probe(
        JNIEnv* env, jclass, jbyteArray webp, jintArray info) {
    try {
        probe(env, webp, info);
    } catch (...) {
        codec_jni::throwCaught(env, "the WebP decoder");
    }
}
