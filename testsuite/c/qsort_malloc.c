/* qsort_malloc.c — CPU/memory workout with deterministic output:
 *  1. a 32-bit LCG generates 100000 ints; qsort them; check sortedness and
 *     print a position-weighted checksum (plus min/median/max);
 *  2. malloc/realloc/free thousands of blocks of varied sizes (up to
 *     ~256 KiB, forcing memory.grow in wasm), fill them with a pattern,
 *     verify the pattern survives realloc, and print a checksum;
 *  3. build a singly linked list of 10000 malloc'd nodes, reverse it,
 *     and print a weighted sum of the reversed order.
 * No pointer values are printed, only data derived from the LCG. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t lcg_state = 12345u;
static uint32_t lcg(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state;
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void test_qsort(void) {
    enum { N = 100000 };
    int *v = malloc(N * sizeof *v);
    if (!v) { printf("qsort: malloc failed\n"); exit(1); }
    for (int i = 0; i < N; i++)
        v[i] = (int)lcg();          /* full 32-bit range, negatives too */
    qsort(v, N, sizeof *v, cmp_int);
    int sorted = 1;
    uint64_t sum = 0;
    for (int i = 0; i < N; i++) {
        if (i > 0 && v[i - 1] > v[i]) sorted = 0;
        sum = sum * 31u + (uint32_t)v[i] + (uint64_t)i;
    }
    printf("qsort: n=%d sorted=%d min=%d median=%d max=%d checksum=%llu\n",
           N, sorted, v[0], v[N / 2], v[N - 1], (unsigned long long)sum);
    free(v);
}

static void fill(unsigned char *p, size_t n, uint32_t tag) {
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(tag + i * 7u);
}
static int check(const unsigned char *p, size_t n, uint32_t tag) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(tag + i * 7u)) return 0;
    return 1;
}

static void test_malloc(void) {
    enum { SLOTS = 512, ROUNDS = 20000 };
    unsigned char *blk[SLOTS] = {0};
    size_t len[SLOTS] = {0};
    uint32_t tag[SLOTS] = {0};
    uint64_t sum = 0;
    unsigned long mallocs = 0, reallocs = 0, frees = 0, bad = 0;
    for (int r = 0; r < ROUNDS; r++) {
        uint32_t x = lcg();
        int s = (int)((x >> 8) % SLOTS);
        size_t n;
        switch ((x >> 4) & 3) {            /* size class */
        case 0: n = 1 + (x >> 20) % 16; break;
        case 1: n = 1 + (x >> 16) % 1024; break;
        case 2: n = 1 + (x >> 12) % 65536; break;
        default: n = (r % 97 == 0) ? 1 + (x >> 14) % 262144 : 1 + (x >> 20) % 200; break;
        }
        if (blk[s] == NULL) {
            blk[s] = malloc(n);
            if (!blk[s]) { printf("malloc: failed\n"); exit(1); }
            len[s] = n; tag[s] = x;
            fill(blk[s], n, x);
            mallocs++;
        } else if (x & 1) {
            /* realloc: old contents (up to the smaller size) must survive */
            unsigned char *q = realloc(blk[s], n);
            if (!q) { printf("realloc: failed\n"); exit(1); }
            size_t keep = len[s] < n ? len[s] : n;
            if (!check(q, keep, tag[s])) bad++;
            blk[s] = q; len[s] = n; tag[s] = x;
            fill(q, n, x);
            reallocs++;
        } else {
            if (!check(blk[s], len[s], tag[s])) bad++;
            for (size_t i = 0; i < len[s]; i += 61) sum += blk[s][i];
            sum += len[s];
            free(blk[s]);
            blk[s] = NULL;
            frees++;
        }
    }
    for (int s = 0; s < SLOTS; s++) {
        if (blk[s]) {
            if (!check(blk[s], len[s], tag[s])) bad++;
            sum += len[s];
            free(blk[s]);
            frees++;
        }
    }
    /* calloc must return zeroed memory */
    unsigned char *z = calloc(100000, 1);
    int zero = z != NULL;
    for (int i = 0; zero && i < 100000; i++) if (z[i]) zero = 0;
    free(z);
    printf("malloc: mallocs=%lu reallocs=%lu frees=%lu bad=%lu calloc_zero=%d checksum=%llu\n",
           mallocs, reallocs, frees, bad, zero, (unsigned long long)sum);
}

struct node { struct node *next; int value; };

static void test_list(void) {
    enum { N = 10000 };
    struct node *head = NULL;
    for (int i = 0; i < N; i++) {           /* list ends up N-1, ..., 0 */
        struct node *n = malloc(sizeof *n);
        if (!n) { printf("list: malloc failed\n"); exit(1); }
        n->value = i;
        n->next = head;
        head = n;
    }
    struct node *prev = NULL;               /* reverse: 0, 1, ..., N-1 */
    while (head) {
        struct node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    head = prev;
    long long sum = 0, weighted = 0;
    int count = 0, in_order = 1;
    for (struct node *p = head; p; p = p->next, count++) {
        if (p->value != count) in_order = 0;
        sum += p->value;
        weighted += (long long)p->value * (count + 1);
    }
    while (head) { struct node *next = head->next; free(head); head = next; }
    printf("list: count=%d in_order=%d sum=%lld weighted=%lld\n", count, in_order, sum, weighted);
}

int main(void) {
    test_qsort();
    test_malloc();
    test_list();
    return 0;
}
