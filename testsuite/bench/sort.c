/* Sorting: a hand-written quicksort, a bottom-up merge sort and libc's
 * qsort over pseudo-random 32-bit keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000000
static unsigned keys[N], work[N], tmp[N];

static unsigned rng = 42;
static unsigned next(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

static void quicksort(unsigned *v, long lo, long hi) {
    while (hi - lo > 16) {
        unsigned p = v[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) { unsigned x = v[i]; v[i] = v[j]; v[j] = x; i++; j--; }
        }
        if (j - lo < hi - i) { quicksort(v, lo, j); lo = i; }
        else { quicksort(v, i, hi); hi = j; }
    }
    for (long i = lo + 1; i <= hi; i++) {
        unsigned x = v[i]; long j = i - 1;
        while (j >= lo && v[j] > x) { v[j + 1] = v[j]; j--; }
        v[j + 1] = x;
    }
}

static void mergesort(unsigned *v, long n) {
    unsigned *src = v, *dst = tmp;
    for (long w = 1; w < n; w *= 2) {
        for (long lo = 0; lo < n; lo += 2 * w) {
            long mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            long i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = src[i] <= src[j] ? src[i++] : src[j++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        unsigned *x = src; src = dst; dst = x;
    }
    if (src != v) memcpy(v, src, n * sizeof(unsigned));
}

static int cmp(const void *a, const void *b) {
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

static unsigned long long digest(const unsigned *v) {
    unsigned long long h = 0;
    for (long i = 0; i < N; i += 97) h = h * 31 + v[i];
    return h;
}

int main(void) {
    unsigned long long h = 0;
    for (int round = 0; round < 3; round++) {
        for (long i = 0; i < N; i++) keys[i] = next();
        memcpy(work, keys, sizeof keys); quicksort(work, 0, N - 1); h ^= digest(work);
        memcpy(work, keys, sizeof keys); mergesort(work, N); h = h * 7 + digest(work);
        memcpy(work, keys, sizeof keys); qsort(work, N, sizeof(unsigned), cmp); h = h * 7 + digest(work);
    }
    printf("sort checksum %llu\n", h);
    return 0;
}
