/* SIMD kernels, built for wasm with -msimd128: loops clang auto-vectorises
 * (a checksum, an integer dot product, a 3x3 image filter) and the same
 * work written with wasm_simd128.h intrinsics. Natively (no wasm SIMD) the
 * intrinsic paths fall back to scalar code with the same exact results, so
 * the output must equal the native build's byte for byte. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define W 67
#define H 41
#define N 4099

static uint8_t image[H][W], blurred[H][W], averaged[H][W];
static int16_t xs[N], ys[N];
static uint8_t bytes[N];
static float floats[N], roots[N];

static uint32_t next = 12345;
static uint32_t rnd(void) {
    next = next * 1103515245u + 12345u;
    return next >> 8;
}

/* Auto-vectorised: a weighted byte checksum. */
static uint32_t checksum(const uint8_t *p, int n) {
    uint32_t sum = 0;
    for (int i = 0; i < n; i++) sum += (uint32_t)p[i] * (uint32_t)(i & 31);
    return sum;
}

/* Auto-vectorised: a dot product of 16-bit vectors. */
static uint32_t dot_auto(const int16_t *a, const int16_t *b, int n) {
    uint32_t sum = 0;
    for (int i = 0; i < n; i++) sum += (uint32_t)(a[i] * b[i]);
    return sum;
}

/* Auto-vectorised: a 3x3 box filter (integer, rounded). */
static void box_filter(void) {
    for (int y = 1; y < H - 1; y++)
        for (int x = 1; x < W - 1; x++) {
            int s = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) s += image[y + dy][x + dx];
            blurred[y][x] = (uint8_t)((s + 4) / 9);
        }
}

/* Intrinsics: the dot product with i32x4.dot_i16x8_s. */
static uint32_t dot_intrinsics(const int16_t *a, const int16_t *b, int n) {
    uint32_t sum = 0;
    int i = 0;
#ifdef __wasm_simd128__
    v128_t acc = wasm_i32x4_splat(0);
    for (; i + 8 <= n; i += 8)
        acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    sum = (uint32_t)wasm_i32x4_extract_lane(acc, 0) + (uint32_t)wasm_i32x4_extract_lane(acc, 1) +
          (uint32_t)wasm_i32x4_extract_lane(acc, 2) + (uint32_t)wasm_i32x4_extract_lane(acc, 3);
#endif
    for (; i < n; i++) sum += (uint32_t)(a[i] * b[i]);
    return sum;
}

/* Intrinsics: rounding average of each row with the next (u8x16.avgr_u),
 * then saturating brightening (u8x16.add_sat). */
static void average_rows(void) {
    for (int y = 0; y < H - 1; y++) {
        int x = 0;
#ifdef __wasm_simd128__
        for (; x + 16 <= W; x += 16) {
            v128_t a = wasm_v128_load(&image[y][x]);
            v128_t b = wasm_v128_load(&image[y + 1][x]);
            v128_t avg = wasm_u8x16_avgr(a, b);
            wasm_v128_store(&averaged[y][x], wasm_u8x16_add_sat(avg, wasm_u8x16_splat(40)));
        }
#endif
        for (; x < W; x++) {
            int avg = (image[y][x] + image[y + 1][x] + 1) >> 1;
            averaged[y][x] = (uint8_t)(avg + 40 > 255 ? 255 : avg + 40);
        }
    }
}

/* Intrinsics: square roots and products of floats (exact per lane). */
static void float_lanes(void) {
    int i = 0;
#ifdef __wasm_simd128__
    for (; i + 4 <= N; i += 4) {
        v128_t f = wasm_v128_load(floats + i);
        wasm_v128_store(roots + i, wasm_f32x4_mul(wasm_f32x4_sqrt(f), wasm_f32x4_splat(1.5f)));
    }
#endif
    for (; i < N; i++) roots[i] = sqrtf(floats[i]) * 1.5f;
}

/* Intrinsics: a byte histogram of "bright" pixels via compare + bitmask. */
static int bright_pixels(void) {
    int count = 0;
    for (int y = 0; y < H; y++) {
        int x = 0;
#ifdef __wasm_simd128__
        for (; x + 16 <= W; x += 16) {
            v128_t px = wasm_v128_load(&image[y][x]);
            uint32_t mask = wasm_i8x16_bitmask(wasm_u8x16_gt(px, wasm_u8x16_splat(200)));
            count += __builtin_popcount(mask);
        }
#endif
        for (; x < W; x++) count += image[y][x] > 200;
    }
    return count;
}

/* Intrinsics: reverse every 16-byte block with a shuffle. */
static void reverse_blocks(uint8_t *p, int n) {
    int i = 0;
#ifdef __wasm_simd128__
    for (; i + 16 <= n; i += 16) {
        v128_t v = wasm_v128_load(p + i);
        wasm_v128_store(p + i, wasm_i8x16_shuffle(v, v, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
                                                  3, 2, 1, 0));
    }
#endif
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 8; j++) {
            uint8_t t = p[i + j];
            p[i + j] = p[i + 15 - j];
            p[i + 15 - j] = t;
        }
}

int main(void) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) image[y][x] = (uint8_t)rnd();
    for (int i = 0; i < N; i++) {
        xs[i] = (int16_t)rnd();
        ys[i] = (int16_t)(rnd() % 2001) - 1000;
        bytes[i] = (uint8_t)rnd();
        floats[i] = (float)(rnd() % 100000) / 7.0f;
    }
    printf("checksum %u\n", checksum(bytes, N));
    printf("dot auto %u\n", dot_auto(xs, ys, N));
    printf("dot intrinsics %u\n", dot_intrinsics(xs, ys, N));
    box_filter();
    printf("box filter %u\n", checksum(&blurred[0][0], W * H));
    average_rows();
    printf("average rows %u\n", checksum(&averaged[0][0], W * H));
    float_lanes();
    uint32_t bits = 0;
    for (int i = 0; i < N; i++) {
        uint32_t b;
        memcpy(&b, &roots[i], 4);
        bits = bits * 31u + b;
    }
    printf("float lanes %08x %.6f\n", bits, roots[N / 2]);
    printf("bright pixels %d\n", bright_pixels());
    reverse_blocks(bytes, N);
    printf("reversed %u\n", checksum(bytes, N));
    return 0;
}
