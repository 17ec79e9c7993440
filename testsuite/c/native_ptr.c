/* native_ptr.c — passing guest pointers to host/native imports
 * (reproduces WAMR issue 3345). Two imports with the same semantics:
 *   env.fill_buffer   — provided by a native library (native/fill.c,
 *                       `waot-run --native-lib libfill.so`), sig "(*~i)i"
 *   host.fill_buffer  — provided by the Rust test harness
 *   int f(char *buf, int len, int seed):
 *     buf[i] = 'a' + (seed + i) % 26 for i < len; returns the sum of the
 *     bytes written, or -1 if buf is NULL.
 * Each is called with (a) a pointer into a LOCAL stack array in a
 * non-inlined function (lives on the shadow stack in linear memory), also
 * at an offset inside it, (b) a malloc'd heap buffer, (c) a global buffer,
 * (d) NULL with len 0, and (e) through a function pointer (call_indirect
 * to an imported function). Every returned value and buffer content is
 * printed, together with an independently computed expected sum, so a
 * wrong pointer translation shows up as wrong text or a mismatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __wasm__
__attribute__((import_module("env"), import_name("fill_buffer"))) int fill_buffer(char *buf, int len, int seed);
__attribute__((import_module("host"), import_name("fill_buffer"))) int host_fill_buffer(char *buf, int len, int seed);
#else
int fill_buffer(char *buf, int len, int seed);        /* from native/fill.c */
int host_fill_buffer(char *buf, int len, int seed);   /* from native/host_fill_native.c */
#endif

typedef int (*fill_fn)(char *buf, int len, int seed);

static char global_buf[128];

static int expected_sum(int len, int seed) {
    int sum = 0;
    for (int i = 0; i < len; i++) sum += 'a' + (seed + i) % 26;
    return sum;
}

static void report(const char *which, const char *what, int got, int want, const char *text) {
    printf("%s %-7s returned %d (%s) [%s]\n", which, what, got,
           got == want ? "ok" : "MISMATCH", text);
}

/* (a) local stack buffer; noinline so the frame is real */
__attribute__((noinline)) static void call_local(const char *which, int is_env) {
    char local[64];
    memset(local, '.', sizeof local);
    int r = is_env ? fill_buffer(local, 40, 1) : host_fill_buffer(local, 40, 1);
    local[40] = '\0';
    report(which, "local", r, expected_sum(40, 1), local);

    /* the same array at an offset: bytes before and after must stay '.' */
    memset(local, '.', sizeof local);
    r = is_env ? fill_buffer(local + 8, 20, 5) : host_fill_buffer(local + 8, 20, 5);
    local[36] = '\0';
    report(which, "local+8", r, expected_sum(20, 5), local);
}

static void run(const char *which, int is_env) {
    call_local(which, is_env);

    /* (b) heap buffer; large enough to cross pages in most allocators */
    int hlen = 5000;
    char *heap = malloc((size_t)hlen + 1);
    if (!heap) { printf("malloc failed\n"); exit(1); }
    int r = is_env ? fill_buffer(heap, hlen, 2) : host_fill_buffer(heap, hlen, 2);
    heap[hlen] = '\0';
    int tail_ok = strlen(heap) == (size_t)hlen && heap[hlen - 1] == 'a' + (2 + hlen - 1) % 26;
    heap[60] = '\0';   /* print only the first 60 chars */
    report(which, "heap", r, expected_sum(hlen, 2), heap);
    printf("%s heap    tail %s\n", which, tail_ok ? "ok" : "MISMATCH");
    free(heap);

    /* (c) global buffer */
    memset(global_buf, 0, sizeof global_buf);
    r = is_env ? fill_buffer(global_buf, 100, 3) : host_fill_buffer(global_buf, 100, 3);
    report(which, "global", r, expected_sum(100, 3), global_buf);

    /* (d) NULL pointer, length 0 */
    r = is_env ? fill_buffer(NULL, 0, 4) : host_fill_buffer(NULL, 0, 4);
    printf("%s null    returned %d (%s)\n", which, r, r == -1 ? "ok" : "MISMATCH");

    /* length 0 with a valid pointer: nothing written, sum 0 */
    char one[2] = {'#', '\0'};
    r = is_env ? fill_buffer(one, 0, 4) : host_fill_buffer(one, 0, 4);
    report(which, "len0", r, 0, one);
}

int main(void) {
    run("env.fill_buffer", 1);
    run("host.fill_buffer", 0);

    /* (e) indirect calls through a function-pointer table */
    static fill_fn volatile table[2] = {fill_buffer, host_fill_buffer};
    static const char *const names[2] = {"env.fill_buffer", "host.fill_buffer"};
    for (int i = 0; i < 2; i++) {
        char buf[32];
        int r = table[i](buf, 26, 0);
        buf[26] = '\0';
        printf("%s via pointer returned %d (%s) [%s]\n", names[i], r,
               r == expected_sum(26, 0) ? "ok" : "MISMATCH", buf);
    }
    return 0;
}
