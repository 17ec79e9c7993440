/* native/floats.c — native library for `waot-run --native-lib` providing
 * the imports of natives_float.c, which pass f32, f64 and i64 values
 * through the C ABI (f32 in float registers is placed differently on each
 * architecture: low half, NaN-boxed on riscv64, high half on s390x).
 * Build:  gcc -shared -fPIC -O2 -o libfloats.so native/floats.c
 * Linked as a plain object into natives_float.c's native build. */
#include <stdint.h>
#include "../../../loader/include/waot_native.h"

/* "(fFiI)F": every kind once, in mixed order. */
double mix4(float a, double b, int32_t c, int64_t d) {
    return (double)a * 3.0 + b - (double)c + (double)d / 7.0;
}

/* "(ff)f": f32 in and out. */
float scale2(float a, float b) { return a * 2.5f - b; }

/* "(IfFf)I": an i64 result built from floats. */
int64_t fold(int64_t a, float b, double c, float d) {
    return a * 3 + (int64_t)(b * 1000.0f) - (int64_t)(c * 10.0) + (int64_t)d;
}

/* "(ffff)f": four f32 (s390x's four float registers). */
float sum4(float a, float b, float c, float d) { return ((a + b) * c) - d; }

/* "(iIiIi)I": five integers (s390x's five integer registers). */
int64_t ints5(int32_t a, int64_t b, int32_t c, int64_t d, int32_t e) {
    return (int64_t)a - b * 2 + (int64_t)c * 3 - d + (int64_t)e * 5;
}

static const waot_native_symbol symbols[] = {
    {"env", "mix4", "(fFiI)F", (void *)mix4},
    {"env", "scale2", "(ff)f", (void *)scale2},
    {"env", "fold", "(IfFf)I", (void *)fold},
    {"env", "sum4", "(ffff)f", (void *)sum4},
    {"env", "ints5", "(iIiIi)I", (void *)ints5},
};

__attribute__((visibility("default")))
uint32_t waot_native_symbols(const waot_native_symbol **out) {
    *out = symbols;
    return (uint32_t)(sizeof symbols / sizeof symbols[0]);
}
