// Calls the natives of native/floats.c (loaded with `waot-run
// --native-lib`) with f32, f64, i64 and i32 arguments and results,
// including negative zero, subnormals, infinities and large i64 values
// (no C conversion or arithmetic whose result is undefined),
// and prints every result's bits. Natively the same file links
// native/floats.c directly.
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __wasm__
#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#else
#define IMPORT(name)
#endif

IMPORT("mix4") double mix4(float a, double b, int32_t c, int64_t d);
IMPORT("scale2") float scale2(float a, float b);
IMPORT("fold") int64_t fold(int64_t a, float b, double c, float d);
IMPORT("sum4") float sum4(float a, float b, float c, float d);
IMPORT("ints5") int64_t ints5(int32_t a, int64_t b, int32_t c, int64_t d, int32_t e);

static uint32_t bits32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t bits64(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

int main(void) {
    static const float fs[] = {1.5f, -0.0f, 1e-40f, 3.4e38f, -2.75f, 1.0f / 0.0f};
    static const double ds[] = {0.1, -1e300, 4.9e-324, 2.5};
    static const int64_t ls[] = {-(1LL << 60), -1, 0, 0x123456789abcdefLL, INT64_MAX / 3};
    // fold converts to integers: only values whose conversion is defined.
    static const float fb[] = {0.25f, -1.5f, 1e-3f, 123.5f, -0.0f, 7.75f};
    static const float fd[] = {2.0f, -3.5f, 0.5f, 1e6f, -0.0f, 9.25f};
    static const double dc[] = {0.1, -12.5, 4.9e-324, 2.5};
    for (int i = 0; i < 6; i++) {
        double d = ds[i % 4];
        int64_t l = ls[i % 5];
        printf("mix4 %016" PRIx64 "\n", bits64(mix4(fs[i], d, -7 * i, l)));
        printf("scale2 %08" PRIx32 "\n", bits32(scale2(fs[i], fs[(i + 1) % 6])));
        printf("fold %" PRId64 "\n", fold(l, fb[i], dc[i % 4], fd[i]));
        printf("sum4 %08" PRIx32 "\n", bits32(sum4(fs[i], 0.5f, -3.0f, fs[(i + 3) % 6])));
        printf("ints5 %" PRId64 "\n", ints5(-i, l, 1000 * i, -l / 5, 7));
    }
    return 0;
}
