// A freestanding program for wasm64 (memory64: 64-bit pointers, i64
// addresses), called through its exports with `waot-run --invoke`; no
// wasm64 libc is packaged for Debian or the registries, so it uses none.
// Natively (-DNATIVE_MAIN, 64-bit pointers too) a small main calls the
// same function and prints the result, for comparison.
#include <stddef.h>
#include <stdint.h>

#ifdef NATIVE_MAIN
#define EXPORT(name) static
#else
#define EXPORT(name) __attribute__((export_name(name)))
#endif

struct node {
    struct node *next;
    uint64_t value;
};

static struct node arena[4096];
static unsigned char bytes[300000];

/// Links up to 4096 nodes in a scrambled order and walks the list,
/// mixing each value with the distance between neighbouring pointers.
EXPORT("list_walk") uint64_t list_walk(uint64_t n) {
    if (n > 4096) n = 4096;
    struct node *head = NULL;
    for (uint64_t i = 0; i < n; i++) {
        struct node *x = &arena[(i * 2654435761u) % 4096];
        x->value = i * sizeof(void *) + sizeof(struct node);
        x->next = head;
        head = x;
    }
    uint64_t sum = 0;
    for (struct node *p = head; p && p->next; p = p->next) {
        ptrdiff_t d = p->next - p;
        sum = sum * 1000003 + p->value + (uint64_t)(d < 0 ? -d : d);
    }
    return sum & 0x7fffffffffffffffull;
}

/// Fills, copies backwards through pointers and checksums a buffer.
EXPORT("bytes_mix") uint64_t bytes_mix(uint64_t n) {
    if (n > sizeof bytes / 2) n = sizeof bytes / 2;
    for (uint64_t i = 0; i < n; i++) bytes[i] = (unsigned char)(i * 131 + (i >> 7));
    unsigned char *dst = bytes + sizeof bytes - 1;
    for (const unsigned char *src = bytes; src < bytes + n; src++) *dst-- = *src;
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = bytes + sizeof bytes - n; p < bytes + sizeof bytes; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h & 0x7fffffffffffffffull;
}

#ifdef NATIVE_MAIN
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc != 3) return 2;
    uint64_t x = strtoull(argv[2], NULL, 10);
    uint64_t r = strcmp(argv[1], "list_walk") == 0 ? list_walk(x) : bytes_mix(x);
    printf("%llu\n", (unsigned long long)r);
    return 0;
}
#endif
