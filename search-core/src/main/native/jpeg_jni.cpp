// JNI binding of libjpeg-turbo for dev.prodlens.core.image.TurboJpeg: one entry point that
// decodes a JPEG to packed TYPE_INT_RGB pixels, optionally at a reduced scale, under limits that
// stop the work itself (not only the answer): a memory cap, a scan cap, a deadline and a cancel
// flag the caller can raise from another thread.
//
// Why libjpeg's own API and not TurboJPEG's (tjDecompress2): only the former has a progress
// monitor, called between iMCU rows while the scans are read and between output rows. That is
// where the deadline, the cancel flag and the scan count are checked; a crafted progressive file
// otherwise keeps the decoder busy for seconds with nothing to stop it. The memory cap is
// libjpeg's max_memory_to_use: Debian's libjpeg-turbo (jmemnobs.c) refuses a coefficient buffer
// over it ("Backing store not supported") before decoding a single scan. The pixels, the SIMD
// IDCT and the DCT-domain scaling are the same libjpeg-turbo code as TurboJPEG's.
//
// Links Debian's libjpeg.so.62 (libjpeg62-turbo); only Java_* symbols are exported. No C++
// exception leaves this file and longjmp never crosses a C++ frame with a destructor: every
// failure becomes a Java exception (TurboJpeg$Failure for what the data or a limit caused,
// IllegalArgumentException for bad arguments, OutOfMemoryError).
#include "dev_prodlens_core_image_TurboJpeg.h"

#include <jni.h>

#include <climits>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <jpeglib.h>
#include <jerror.h>  // after jpeglib.h: the JERR_* codes

#include "codec_jni.h"

namespace {

// Keep in step with TurboJpeg.java.
constexpr jint STATUS_OK = 0;
constexpr jint STATUS_TOO_MANY_PIXELS = 1;
constexpr jint STATUS_OTHER_COLOURSPACE = 2;
constexpr jint INFO_LENGTH = 7;  // status, width, height, decoded width, height, colourspace, scans read

// Why a decode stopped (TurboJpeg.Failure's kind).
constexpr jint STOP_ERROR = 0;      // libjpeg refused the data
constexpr jint STOP_WARNING = 1;    // libjpeg could have gone on, with grey or wrong pixels
constexpr jint STOP_DEADLINE = 2;   // past the caller's deadline
constexpr jint STOP_CANCELLED = 3;  // the caller raised the cancel flag
constexpr jint STOP_SCANS = 4;      // more scans than the caller allows
constexpr jint STOP_MEMORY = 5;     // the coefficient buffer would exceed the memory cap

using codec_jni::MallocPtr;
using codec_jni::throw_new;

// TurboJpeg.Failure(String message, int kind)
void throwFailure(JNIEnv* env, const std::string& message, jint kind) {
    jvalue extra;
    extra.i = kind;
    codec_jni::throwFailure(env, "dev/prodlens/core/image/TurboJpeg$Failure", "(Ljava/lang/String;I)V", message, extra);
}

// The state of one decode. Plain data only: libjpeg leaves through longjmp, which must not skip
// a destructor, so everything that needs freeing is freed by the caller after runDecode returns.
struct Decode {
    jpeg_decompress_struct cinfo;
    jpeg_error_mgr errors;
    jpeg_progress_mgr progress;
    std::jmp_buf jump;
    // limits
    int targetMinSide;
    long long maxPixels;
    long maxMemory;               // 0: no cap
    int maxScans;                 // 0: no cap
    long long deadlineNanos;      // CLOCK_MONOTONIC, as System.nanoTime(); 0: none
    const volatile jbyte* cancel; // nonzero byte: stop; null: none
    // results
    jint info[INFO_LENGTH];
    uint32_t* pixels;             // malloc'd output (the caller frees it)
    jint stop;
    char message[JMSG_LENGTH_MAX];
};

long long monotonicNanos() {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

[[noreturn]] void stopWith(Decode* d, jint kind, const char* message) {
    d->stop = kind;
    std::snprintf(d->message, sizeof d->message, "%s", message);
    std::longjmp(d->jump, 1);
}

Decode* decodeOf(j_common_ptr cinfo) {
    return static_cast<Decode*>(cinfo->client_data);
}

void onError(j_common_ptr cinfo) {
    Decode* d = decodeOf(cinfo);
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    // JERR_NO_BACKING_STORE: a virtual array (the coefficient buffer) over max_memory_to_use
    jint kind = cinfo->err->msg_code == JERR_NO_BACKING_STORE || cinfo->err->msg_code == JERR_OUT_OF_MEMORY
            ? STOP_MEMORY : STOP_ERROR;
    stopWith(d, kind, text);
}

// Warnings (level -1) stop the decode, as TurboJPEG's TJFLAG_STOPONWARNING did; traces are ignored.
void onMessage(j_common_ptr cinfo, int level) {
    if (level < 0) {
        char text[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, text);
        stopWith(decodeOf(cinfo), STOP_WARNING, text);
    }
}

void onProgress(j_common_ptr cinfo) {
    Decode* d = decodeOf(cinfo);
    if (d->maxScans > 0 && d->cinfo.input_scan_number > d->maxScans) {
        stopWith(d, STOP_SCANS, "too many scans");
    }
    if (d->cancel != nullptr && *d->cancel != 0) {
        stopWith(d, STOP_CANCELLED, "cancelled");
    }
    if (d->deadlineNanos != 0 && monotonicNanos() - d->deadlineNanos > 0) {
        stopWith(d, STOP_DEADLINE, "deadline passed");
    }
}

// The smallest 1/N scale (N = 1, 2, 4, 8: the factors with SIMD IDCTs, and what the ImageIO
// path's integer subsampling resembles) whose scaled shorter side is still at least
// targetMinSide; 1 when targetMinSide is 0 or the image is already smaller.
unsigned int chooseDenominator(long long width, long long height, int targetMinSide) {
    if (targetMinSide <= 0) {
        return 1;
    }
    long long shorter = width < height ? width : height;
    unsigned int best = 1;
    for (unsigned int denom = 2; denom <= 8; denom *= 2) {
        if ((shorter + denom - 1) / denom >= targetMinSide) {
            best = denom;
        }
    }
    return best;
}

// Everything that may longjmp. Returns STATUS_* with d->pixels set for STATUS_OK, or -1 with
// d->stop and d->message set. The caller has created and will destroy d->cinfo.
int runDecode(Decode* d, unsigned char* data, unsigned long size) {
    if (setjmp(d->jump) != 0) {
        return -1;
    }
    jpeg_decompress_struct* cinfo = &d->cinfo;
    if (d->maxMemory > 0) {
        cinfo->mem->max_memory_to_use = d->maxMemory;
    }
    jpeg_mem_src(cinfo, data, size);
    jpeg_read_header(cinfo, TRUE);
    d->info[1] = static_cast<jint>(cinfo->image_width);
    d->info[2] = static_cast<jint>(cinfo->image_height);
    d->info[5] = cinfo->jpeg_color_space;
    if (cinfo->image_width < 1 || cinfo->image_height < 1) {
        stopWith(d, STOP_ERROR, "header: image has no pixels");
    }
    if (static_cast<long long>(cinfo->image_width) * cinfo->image_height > d->maxPixels) {
        return STATUS_TOO_MANY_PIXELS;
    }
    if (cinfo->jpeg_color_space != JCS_YCbCr && cinfo->jpeg_color_space != JCS_GRAYSCALE) {
        return STATUS_OTHER_COLOURSPACE;
    }
    cinfo->scale_num = 1;
    cinfo->scale_denom = chooseDenominator(cinfo->image_width, cinfo->image_height, d->targetMinSide);
    cinfo->dct_method = JDCT_ISLOW;        // accurate, as the ImageIO path
    cinfo->out_color_space = JCS_EXT_BGRX; // read as a little-endian int: 0xXXRRGGBB, TYPE_INT_RGB
    jpeg_calc_output_dimensions(cinfo);
    const long long width = cinfo->output_width;
    const long long height = cinfo->output_height;
    if (width < 1 || height < 1 || width * height > INT_MAX / 4) {
        stopWith(d, STOP_ERROR, "decoded size out of range");
    }
    d->pixels = static_cast<uint32_t*>(std::malloc(static_cast<size_t>(width * height) * 4));
    if (d->pixels == nullptr) {
        stopWith(d, STOP_MEMORY, "no native memory for the decoded pixels");
    }
    jpeg_start_decompress(cinfo);  // a multi-scan file's scans are all read here
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = reinterpret_cast<JSAMPROW>(d->pixels + cinfo->output_scanline * width);
        jpeg_read_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_decompress(cinfo);
    d->info[3] = static_cast<jint>(width);
    d->info[4] = static_cast<jint>(height);
    d->info[6] = cinfo->input_scan_number;
    return STATUS_OK;
}

jintArray decode(JNIEnv* env, jbyteArray jpeg, jint targetMinSide, jlong maxPixels, jlong maxMemory,
                 jint maxScans, jlong deadlineNanos, jobject cancel, jintArray info) {
    if (jpeg == nullptr || info == nullptr) {
        throw_new(env, "java/lang/NullPointerException", "jpeg and info are required");
        return nullptr;
    }
    if (env->GetArrayLength(info) < INFO_LENGTH) {
        throw_new(env, "java/lang/IllegalArgumentException", "info must hold 7 ints");
        return nullptr;
    }
    if (targetMinSide < 0 || maxPixels < 1 || maxMemory < 0 || maxScans < 0) {
        throw_new(env, "java/lang/IllegalArgumentException",
                 "targetMinSide, maxMemory, maxScans must be >= 0 and maxPixels >= 1");
        return nullptr;
    }
    const volatile jbyte* cancelFlag = nullptr;
    if (cancel != nullptr) {
        cancelFlag = static_cast<const volatile jbyte*>(env->GetDirectBufferAddress(cancel));
        if (cancelFlag == nullptr || env->GetDirectBufferCapacity(cancel) < 1) {
            throw_new(env, "java/lang/IllegalArgumentException", "cancel must be a direct buffer of at least 1 byte");
            return nullptr;
        }
    }
    const jsize length = env->GetArrayLength(jpeg);
    if (length < 2) {
        throwFailure(env, "not a JPEG: fewer than 2 bytes", STOP_ERROR);
        return nullptr;
    }
    // A copy of the bytes, outside the Java heap for the whole decode (no GC lock held), with an
    // EOI marker appended when the data lacks one: a file missing only its EOI then decodes
    // without a warning (as the ImageIO path accepts it), while a file cut inside its pixel
    // data meets that EOI early and libjpeg warns "premature end of data segment".
    const size_t size = static_cast<size_t>(length);
    MallocPtr<unsigned char> data(static_cast<unsigned char*>(std::malloc(size + 2)));
    if (!data) {
        throw_new(env, "java/lang/OutOfMemoryError", "no native memory for the JPEG's bytes");
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

    MallocPtr<Decode> d(static_cast<Decode*>(std::calloc(1, sizeof(Decode))));
    if (!d) {
        throw_new(env, "java/lang/OutOfMemoryError", "no native memory for the JPEG decoder");
        return nullptr;
    }
    d->targetMinSide = targetMinSide;
    d->maxPixels = maxPixels;
    d->maxMemory = static_cast<long>(maxMemory);
    d->maxScans = maxScans;
    d->deadlineNanos = deadlineNanos;
    d->cancel = cancelFlag;
    d->cinfo.err = jpeg_std_error(&d->errors);
    d->errors.error_exit = onError;
    d->errors.emit_message = onMessage;
    d->progress.progress_monitor = onProgress;
    d->cinfo.client_data = d.get();
    // jpeg_create_decompress allocates through error_exit: a failure there needs the jump too
    if (setjmp(d->jump) != 0) {
        throwFailure(env, d->message, d->stop);
        return nullptr;
    }
    jpeg_create_decompress(&d->cinfo);
    d->cinfo.progress = &d->progress;
    const int status = runDecode(d.get(), data.get(), static_cast<unsigned long>(dataSize));
    jpeg_destroy_decompress(&d->cinfo);
    MallocPtr<uint32_t> rgb(d->pixels);
    if (status < 0) {
        throwFailure(env, d->message, d->stop);
        return nullptr;
    }
    d->info[0] = status;
    if (status != STATUS_OK) {
        env->SetIntArrayRegion(info, 0, INFO_LENGTH, d->info);
        return nullptr;
    }
    const long long pixels = static_cast<long long>(d->info[3]) * d->info[4];
    uint32_t* p = rgb.get();
    for (long long i = 0; i < pixels; i++) {
        p[i] &= 0x00FFFFFFu;  // libjpeg-turbo writes 0xFF into X; a fresh INT_RGB raster has 0
    }
    jintArray result = env->NewIntArray(static_cast<jsize>(pixels));
    if (result == nullptr) {
        return nullptr;  // OutOfMemoryError pending
    }
    env->SetIntArrayRegion(result, 0, static_cast<jsize>(pixels), reinterpret_cast<const jint*>(p));
    env->SetIntArrayRegion(info, 0, INFO_LENGTH, d->info);
    if (env->ExceptionCheck()) {
        return nullptr;
    }
    return result;
}

}  // namespace

extern "C" JNIEXPORT jintArray JNICALL Java_dev_prodlens_core_image_TurboJpeg_decode(
        JNIEnv* env, jclass, jbyteArray jpeg, jint targetMinSide, jlong maxPixels, jlong maxMemory,
        jint maxScans, jlong deadlineNanos, jobject cancel, jintArray info) {
    try {
        return decode(env, jpeg, targetMinSide, maxPixels, maxMemory, maxScans, deadlineNanos, cancel, info);
    } catch (...) {
        codec_jni::throwCaught(env, "the JPEG decoder");
    }
    return nullptr;
}
