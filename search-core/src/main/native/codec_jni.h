// What the image codec bindings (jpeg_jni.cpp, webp_jni.cpp) share: malloc'd buffers that free
// themselves, and turning failures into Java exceptions (by class name through jni_throw.h, as
// faiss_jni.cpp does). Header-only: each binding is a library of its own and compiles its copy
// (with hidden visibility, nothing of it is exported).
#ifndef PRODLENS_CODEC_JNI_H
#define PRODLENS_CODEC_JNI_H

#include <jni.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <string>

#include "jni_throw.h"

namespace codec_jni {

using prodlens_jni::throw_new;

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};
template <typename T>
using MallocPtr = std::unique_ptr<T, FreeDeleter>;

// Throws new className(message, extra): a binding's Failure, whose constructor (signature, e.g.
// "(Ljava/lang/String;Z)V") takes the message and one more value.
inline void throwFailure(JNIEnv* env, const char* className, const char* signature,
                         const std::string& message, jvalue extra) {
    if (env->ExceptionCheck()) {
        return;
    }
    jclass cls = env->FindClass(className);
    if (cls == nullptr) {
        return;
    }
    jmethodID init = env->GetMethodID(cls, "<init>", signature);
    jstring text = init == nullptr ? nullptr : env->NewStringUTF(message.c_str());
    if (text != nullptr) {
        jvalue args[2];
        args[0].l = text;
        args[1] = extra;
        jobject failure = env->NewObjectA(cls, init, args);
        if (failure != nullptr) {
            env->Throw(static_cast<jthrowable>(failure));
            env->DeleteLocalRef(failure);
        }
        env->DeleteLocalRef(text);
    }
    env->DeleteLocalRef(cls);
}

// Called from an entry point's catch (...): the C++ exception being handled as a Java one, so
// that none leaves the library. decoder names it in messages ("the JPEG decoder").
inline void throwCaught(JNIEnv* env, const char* decoder) {
    try {
        throw;
    } catch (const std::bad_alloc&) {
        throw_new(env, "java/lang/OutOfMemoryError",
                 std::string("native allocation failed in ") + decoder);
    } catch (const std::exception& e) {
        throw_new(env, "java/lang/IllegalStateException", e.what());
    } catch (...) {
        throw_new(env, "java/lang/IllegalStateException",
                 std::string("unknown native error in ") + decoder);
    }
}

}  // namespace codec_jni

#endif  // PRODLENS_CODEC_JNI_H
