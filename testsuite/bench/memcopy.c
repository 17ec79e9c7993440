/* Memory-copy-heavy: memcpy, memmove (overlapping both ways), memset and
 * memcmp over blocks from 16 bytes to 1 MiB, the way buffers and
 * serialisers move data. */
#include <stdio.h>
#include <string.h>

#define BUF (8 << 20)
static unsigned char src[BUF], dst[BUF];

int main(void) {
    for (long i = 0; i < BUF; i++) src[i] = (unsigned char)(i * 131 + (i >> 9));
    unsigned long long acc = 0;
    for (int round = 0; round < 400; round++) {
        for (long n = 16; n <= (1 << 20); n *= 4) {
            long reps = (BUF / n) / 2;
            for (long r = 0; r < reps; r++) {
                long long off = ((long long)r * 7919 + round) % (BUF - n);
                memcpy(dst + (off ^ 64) % (BUF - n), src + off, n);
            }
            acc = acc * 31 + dst[(n * 13) % BUF];
        }
        memmove(dst + 4096, dst, BUF / 2);
        memmove(dst, dst + 12345, BUF / 2);
        memset(dst + round * 1024, round, BUF / 4);
        acc = acc * 31 + (unsigned)memcmp(dst, src, BUF / 2) % 7 + dst[BUF / 3];
    }
    printf("memcopy checksum %llu\n", acc);
    return 0;
}
