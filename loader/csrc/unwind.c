/* Entering wasm with a recovery point, and leaving it when wasm traps.
 *
 * waot_catch() records a jump buffer in *slot, runs body(data) and returns 0,
 * or returns 1 when waot_unwind() was called (from the trap signal handler
 * or from a host function that traps) while body was running. Nested calls
 * save and restore the previous buffer. The frames skipped by the jump are
 * compiled wasm code and loader frames that hold no values with
 * destructors. */
#include <setjmp.h>
#include <stddef.h>

int waot_catch(void **slot, void (*body)(void *), void *data) {
    sigjmp_buf buf;
    void *volatile previous = *slot;
    if (sigsetjmp(buf, 0) != 0) {
        *slot = previous;
        return 1;
    }
    *slot = &buf;
    body(data);
    *slot = previous;
    return 0;
}

void waot_unwind(void *buf) {
    siglongjmp(*(sigjmp_buf *)buf, 1);
}
