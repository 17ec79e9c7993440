/* native/host_fill_native.c — ONLY for the native gcc build of native_ptr.c.
 * Provides host_fill_buffer with the same semantics as fill_buffer in
 * native/fill.c. Under waot the import host.fill_buffer is supplied by the
 * Rust test harness instead:
 *     buf[i] = 'a' + (seed + i) % 26 for 0 <= i < len; returns the sum of
 *     the bytes written, or -1 if buf is NULL. */
#include <stddef.h>

int host_fill_buffer(char *buf, int len, int seed) {
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
