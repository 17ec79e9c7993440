/* Hashing and checksums: CRC-32 (table driven), FNV-1a, Adler-32 and a
 * 64-bit multiply-rotate mix over a pseudo-random buffer. */
#include <stdint.h>
#include <stdio.h>

#define LEN (4 << 20)
static uint8_t buf[LEN];
static uint32_t table[256];

static uint32_t crc32(const uint8_t *p, long n) {
    uint32_t c = 0xffffffffu;
    for (long i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static uint32_t fnv1a(const uint8_t *p, long n) {
    uint32_t h = 2166136261u;
    for (long i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
    return h;
}

static uint32_t adler32(const uint8_t *p, long n) {
    uint32_t a = 1, b = 0;
    for (long i = 0; i < n; i++) { a = (a + p[i]) % 65521; b = (b + a) % 65521; }
    return (b << 16) | a;
}

static uint64_t mix64(const uint8_t *p, long n) {
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (long i = 0; i + 8 <= n; i += 8) {
        uint64_t k = 0;
        for (int b = 0; b < 8; b++) k |= (uint64_t)p[i + b] << (8 * b);
        k *= 0x87c37b91114253d5ull; k = (k << 31) | (k >> 33); k *= 0x4cf5ad432745937full;
        h ^= k; h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
    }
    return h ^ (h >> 33);
}

int main(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t x = 1;
    for (long i = 0; i < LEN; i++) { x = x * 1664525u + 1013904223u; buf[i] = x >> 24; }
    uint64_t acc = 0;
    for (int round = 0; round < 40; round++) {
        buf[round] ^= 0x5a;
        acc = acc * 31 + crc32(buf, LEN);
        acc = acc * 31 + fnv1a(buf, LEN);
        acc = acc * 31 + adler32(buf, LEN);
        acc = acc * 31 + mix64(buf, LEN);
    }
    printf("hash checksum %llu\n", (unsigned long long)acc);
    return 0;
}
