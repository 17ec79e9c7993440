// C11 atomics in a single-threaded program built with `-matomics
// -mbulk-memory` (Wasm 3.0 threads: atomic instructions on an unshared
// memory), as thread-aware libraries are: fetch-and-op of every width,
// compare-exchange loops, exchange, a spin lock from atomic_flag, fences,
// and memcpy/memset that become memory.copy/memory.fill.
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_uint_least8_t a8;
static atomic_uint_least16_t a16;
static atomic_uint a32;
static atomic_ullong a64;
static atomic_flag lock = ATOMIC_FLAG_INIT;

static uint64_t guarded_total;

static void add_under_lock(uint64_t v) {
    while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire)) {
    }
    guarded_total += v;
    atomic_flag_clear_explicit(&lock, memory_order_release);
}

static unsigned atomic_max(atomic_uint *p, unsigned v) {
    unsigned old = atomic_load(p);
    while (old < v && !atomic_compare_exchange_weak(p, &old, v)) {
    }
    return old;
}

int main(void) {
    for (unsigned i = 0; i < 100000; i++) {
        atomic_fetch_add(&a8, (uint8_t)i);
        atomic_fetch_xor(&a16, (uint16_t)(i * 3));
        atomic_fetch_add_explicit(&a32, i, memory_order_relaxed);
        atomic_fetch_sub(&a64, (unsigned long long)i * 7);
        if (i % 3 == 0) atomic_fetch_or(&a32, 1u << (i % 32));
        if (i % 5 == 0) atomic_fetch_and(&a64, ~(1ull << (i % 64)));
        add_under_lock(i);
    }
    atomic_thread_fence(memory_order_seq_cst);
    printf("a8 %u a16 %u a32 %u a64 %llu total %llu\n", (unsigned)atomic_load(&a8),
           (unsigned)atomic_load(&a16), atomic_load(&a32), (unsigned long long)atomic_load(&a64),
           (unsigned long long)guarded_total);

    atomic_uint *cells = malloc(1000 * sizeof *cells);
    if (!cells) return 1;
    for (unsigned i = 0; i < 1000; i++) atomic_init(&cells[i], i * 2654435761u % 1000);
    atomic_uint best = 0;
    unsigned swaps = 0;
    for (unsigned i = 0; i < 1000; i++) {
        atomic_max(&best, atomic_load(&cells[i]));
        unsigned expected = i;
        if (atomic_compare_exchange_strong(&cells[i], &expected, 4242)) swaps++;
        atomic_exchange(&cells[(i * 7) % 1000], i);
    }
    printf("best %u swaps %u cell[0] %u cell[999] %u\n", atomic_load(&best), swaps,
           atomic_load(&cells[0]), atomic_load(&cells[999]));

    char *buf = malloc(1 << 16);
    if (!buf) return 1;
    memset(buf, 'x', 1 << 16);
    memcpy(buf + 100, "atomics done", 12);
    memmove(buf + 1, buf, 4000);
    printf("%.12s %c %c\n", buf + 101, buf[0], buf[(1 << 16) - 1]);
    free(cells);
    free(buf);
    return 0;
}
