// JNI binding of libjpeg-turbo's TurboJPEG API for dev.prodlens.core.image.TurboJpeg: one entry
// point that decodes a JPEG to packed TYPE_INT_RGB pixels, optionally at a reduced scale.
// Links Debian's libturbojpeg.so.0 (see Makefile for why not the static archive); only Java_*
// symbols are exported.
//
// No C++ exception leaves this file: every failure becomes a Java exception (TurboJpeg$Failure
// for what the data caused, IllegalArgumentException for bad arguments, OutOfMemoryError).
#include "dev_prodlens_core_image_TurboJpeg.h"

#include <jni.h>
#include <turbojpeg.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "codec_jni.h"

namespace {

using codec_jni::MallocPtr;
using codec_jni::throwNew;

// Keep in step with TurboJpeg.java.
constexpr jint STATUS_OK = 0;
constexpr jint STATUS_TOO_MANY_PIXELS = 1;
constexpr jint STATUS_OTHER_COLOURSPACE = 2;
constexpr jint INFO_LENGTH = 7;  // status, width, height, decoded width, height, colourspace, subsampling

struct TjHandle {
    tjhandle handle = tjInitDecompress();
    TjHandle() = default;
    TjHandle(const TjHandle&) = delete;
    TjHandle& operator=(const TjHandle&) = delete;
    ~TjHandle() {
        if (handle != nullptr) {
            tjDestroy(handle);
        }
    }
};

// TurboJpeg.Failure(String message, boolean warning)
void throwFailure(JNIEnv* env, const std::string& message, bool warning) {
    jvalue extra;
    extra.z = warning ? JNI_TRUE : JNI_FALSE;
    codec_jni::throwFailure(env, "dev/prodlens/core/image/TurboJpeg$Failure",
                            "(Ljava/lang/String;Z)V", message, extra);
}

// libjpeg's own words (the first warning, or the error), as the ImageIO path reports them
void throwTurboError(JNIEnv* env, tjhandle handle) {
    bool warning = tjGetErrorCode(handle) == TJERR_WARNING;
    const char* text = tjGetErrorStr2(handle);
    throwFailure(env, text != nullptr ? text : "unknown libjpeg-turbo error", warning);
}

// The smallest 1/N scaling factor (N = 1, 2, 4, 8: the factors with SIMD IDCTs, and what the
// ImageIO path's integer subsampling resembles) whose scaled shorter side is still at least
// targetMinSide; 1/1 when targetMinSide is 0 or the image is already smaller.
tjscalingfactor chooseScale(int width, int height, int targetMinSide) {
    tjscalingfactor best = {1, 1};
    if (targetMinSide <= 0) {
        return best;
    }
    int count = 0;
    tjscalingfactor* factors = tjGetScalingFactors(&count);
    if (factors == nullptr) {
        return best;
    }
    for (int i = 0; i < count; i++) {
        tjscalingfactor f = factors[i];
        if (f.num != 1 || f.denom < 1 || f.denom > 8) {
            continue;
        }
        int shorter = TJSCALED(width < height ? width : height, f);
        if (shorter >= targetMinSide && f.denom > best.denom) {
            best = f;
        }
    }
    return best;
}

jintArray decode(JNIEnv* env, jbyteArray jpeg, jint targetMinSide, jlong maxPixels,
                 jintArray info) {
    if (jpeg == nullptr || info == nullptr) {
        throwNew(env, "java/lang/NullPointerException", "jpeg and info are required");
        return nullptr;
    }
    if (env->GetArrayLength(info) < INFO_LENGTH) {
        throwNew(env, "java/lang/IllegalArgumentException", "info must hold 7 ints");
        return nullptr;
    }
    if (targetMinSide < 0 || maxPixels < 1) {
        throwNew(env, "java/lang/IllegalArgumentException",
                 "targetMinSide must be >= 0 and maxPixels >= 1");
        return nullptr;
    }
    const jsize length = env->GetArrayLength(jpeg);
    if (length < 2) {
        throwFailure(env, "not a JPEG: fewer than 2 bytes", false);
        return nullptr;
    }
    // A copy of the bytes, outside the Java heap for the whole decode (no GC lock held), with an
    // EOI marker appended when the data lacks one: a file missing only its EOI then decodes
    // without a warning (as the ImageIO path accepts it), while a file cut inside its pixel
    // data meets that EOI early and libjpeg warns "premature end of data segment".
    const size_t size = static_cast<size_t>(length);
    MallocPtr<unsigned char> data(static_cast<unsigned char*>(std::malloc(size + 2)));
    if (!data) {
        throwNew(env, "java/lang/OutOfMemoryError", "no native memory for the JPEG's bytes");
        return nullptr;
    }
    env->GetByteArrayRegion(jpeg, 0, length, reinterpret_cast<jbyte*>(data.get()));
    if (env->ExceptionCheck()) {
        return nullptr;
    }
    size_t dataSize = size;
    if (!(data.get()[size - 2] == 0xFF && data.get()[size - 1] == 0xD9)) {
        data.get()[size] = 0xFF;
        data.get()[size + 1] = 0xD9;
        dataSize += 2;
    }

    TjHandle tj;
    if (tj.handle == nullptr) {
        throwFailure(env, std::string("tjInitDecompress: ") + tjGetErrorStr2(nullptr), false);
        return nullptr;
    }
    int width = 0, height = 0, subsampling = -1, colourspace = -1;
    if (tjDecompressHeader3(tj.handle, data.get(), static_cast<unsigned long>(dataSize), &width,
                            &height, &subsampling, &colourspace) != 0) {
        throwTurboError(env, tj.handle);
        return nullptr;
    }
    jint out[INFO_LENGTH] = {STATUS_OK, width, height, 0, 0, colourspace, subsampling};
    if (width < 1 || height < 1) {
        throwFailure(env, "header: image has no pixels", false);
        return nullptr;
    }
    if (static_cast<long long>(width) * height > maxPixels) {
        out[0] = STATUS_TOO_MANY_PIXELS;
        env->SetIntArrayRegion(info, 0, INFO_LENGTH, out);
        return nullptr;
    }
    if (colourspace != TJCS_YCbCr && colourspace != TJCS_GRAY) {
        out[0] = STATUS_OTHER_COLOURSPACE;
        env->SetIntArrayRegion(info, 0, INFO_LENGTH, out);
        return nullptr;
    }
    const tjscalingfactor scale = chooseScale(width, height, targetMinSide);
    const int outWidth = TJSCALED(width, scale);
    const int outHeight = TJSCALED(height, scale);
    const long long pixels = static_cast<long long>(outWidth) * outHeight;
    if (outWidth < 1 || outHeight < 1 || pixels > INT_MAX / 4) {
        throwFailure(env, "decoded size out of range", false);
        return nullptr;
    }
    MallocPtr<uint32_t> rgb(static_cast<uint32_t*>(std::malloc(static_cast<size_t>(pixels) * 4)));
    if (!rgb) {
        throwNew(env, "java/lang/OutOfMemoryError", "no native memory for the decoded pixels");
        return nullptr;
    }
    int flags = TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING;
#ifdef TJFLAG_LIMITSCANS
    flags |= TJFLAG_LIMITSCANS;
#endif
    // BGRX bytes are, read as a little-endian int, 0xXXRRGGBB: TYPE_INT_RGB's layout
    if (tjDecompress2(tj.handle, data.get(), static_cast<unsigned long>(dataSize),
                      reinterpret_cast<unsigned char*>(rgb.get()), outWidth, outWidth * 4,
                      outHeight, TJPF_BGRX, flags) != 0) {
        throwTurboError(env, tj.handle);
        return nullptr;
    }
    uint32_t* p = rgb.get();
    for (long long i = 0; i < pixels; i++) {
        p[i] &= 0x00FFFFFFu;  // libjpeg-turbo writes 0xFF into X; a fresh INT_RGB raster has 0
    }
    jintArray result = env->NewIntArray(static_cast<jsize>(pixels));
    if (result == nullptr) {
        return nullptr;  // OutOfMemoryError pending
    }
    env->SetIntArrayRegion(result, 0, static_cast<jsize>(pixels),
                           reinterpret_cast<const jint*>(rgb.get()));
    out[3] = outWidth;
    out[4] = outHeight;
    env->SetIntArrayRegion(info, 0, INFO_LENGTH, out);
    if (env->ExceptionCheck()) {
        return nullptr;
    }
    return result;
}

}  // namespace

extern "C" JNIEXPORT jintArray JNICALL Java_dev_prodlens_core_image_TurboJpeg_decode(
        JNIEnv* env, jclass, jbyteArray jpeg, jint targetMinSide, jlong maxPixels,
        jintArray info) {
    try {
        return decode(env, jpeg, targetMinSide, maxPixels, info);
    } catch (...) {
        codec_jni::throwCaught(env, "the JPEG decoder");
    }
    return nullptr;
}
