/* The pthread subset native/src/gemm.c uses (thread-exit release of its workspace), for a wasm32
   build without threads: wasm_entry.c implements it as single-threaded no-ops. Not used natively. */
#ifndef RL_WASM_SHIM_PTHREAD_H
#define RL_WASM_SHIM_PTHREAD_H
typedef unsigned pthread_key_t;
typedef int pthread_once_t;
#define PTHREAD_ONCE_INIT 0
int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int pthread_setspecific(pthread_key_t key, const void *value);
int pthread_once(pthread_once_t *once, void (*init)(void));
#endif
