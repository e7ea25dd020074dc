// The one way the JNI libraries (faiss_jni.cpp, and the codecs through codec_jni.h) throw a Java
// exception by class name. Header-only: each library compiles its own copy (with hidden
// visibility, nothing of it is exported).
#ifndef PRODLENS_JNI_THROW_H
#define PRODLENS_JNI_THROW_H

#include <jni.h>

#include <string>

namespace prodlens_jni {

// Throws new className(message), unless an exception is already pending: the first one is kept
// (e.g. an OutOfMemoryError from the JVM, or the NoClassDefFoundError of a missing class).
inline void throw_new(JNIEnv* env, const char* className, const std::string& message) {
    if (env->ExceptionCheck()) {
        return;
    }
    jclass cls = env->FindClass(className);
    if (cls != nullptr) {
        env->ThrowNew(cls, message.c_str());
        env->DeleteLocalRef(cls);
    }
}

}  // namespace prodlens_jni

#endif  // PRODLENS_JNI_THROW_H
