/* native/fill.c — native library for `waot-run --native-lib` providing the
 * wasm import env.fill_buffer used by native_ptr.c, signature "(*~i)i":
 *
 *     int fill_buffer(char *buf, int len, int seed);
 *
 * Writes buf[i] = 'a' + (seed + i) % 26 for 0 <= i < len and returns the sum
 * of the bytes written; returns -1 if buf is NULL (a guest NULL arrives as
 * NULL). Build:  gcc -shared -fPIC -O2 -o libfill.so native/fill.c
 * The same file is linked as a plain object into the native gcc build of
 * native_ptr.c, so fill_buffer stays non-static. */
#include <stddef.h>
#include "../../../loader/include/waot_native.h"

int fill_buffer(char *buf, int len, int seed) {
    if (buf == NULL)
        return -1;
    int sum = 0;
    for (int i = 0; i < len; i++) {
        char c = (char)('a' + (seed + i) % 26);  /* seeds used are >= 0 */
        buf[i] = c;
        sum += (unsigned char)c;
    }
    return sum;
}

static const waot_native_symbol symbols[] = {
    {"env", "fill_buffer", "(*~i)i", (void *)fill_buffer},
};

__attribute__((visibility("default")))
uint32_t waot_native_symbols(const waot_native_symbol **out) {
    *out = symbols;
    return (uint32_t)(sizeof symbols / sizeof symbols[0]);
}
