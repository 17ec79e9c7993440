/* file_copy.c — usage: file_copy SRC DST
 * Copies SRC to DST with fopen/fread/fwrite in 4096-byte chunks, closes
 * both, then re-opens DST, reads it back with an odd chunk size and prints
 * its byte count and a checksum (FNV-1a 32-bit). Also checks fseek/ftell to
 * the end agrees with the byte count. Tests path_open (read, and
 * create+truncate for writing), fd_read, fd_write, fd_seek, fd_close.
 * Paths are relative to the current directory (wasm: the preopened ".").
 * On any failure prints "file_copy: <what> failed" to stderr and exits 1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void fail(const char *what, const char *path) {
    fprintf(stderr, "file_copy: %s %s failed\n", what, path);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: file_copy SRC DST\n");
        return 1;
    }
    const char *src = argv[1], *dst = argv[2];

    FILE *in = fopen(src, "rb");
    if (!in) fail("open", src);
    FILE *out = fopen(dst, "wb");
    if (!out) fail("create", dst);
    static char buf[4096];
    unsigned long copied = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, n, out) != n) fail("write", dst);
        copied += n;
    }
    if (ferror(in)) fail("read", src);
    if (fclose(in) != 0) fail("close", src);
    if (fclose(out) != 0) fail("close", dst);
    printf("copied %lu bytes\n", copied);

    FILE *chk = fopen(dst, "rb");
    if (!chk) fail("reopen", dst);
    uint32_t h = 2166136261u;   /* FNV-1a */
    unsigned long total = 0;
    static unsigned char rbuf[1000];
    while ((n = fread(rbuf, 1, sizeof rbuf, chk)) > 0) {
        for (size_t i = 0; i < n; i++) {
            h ^= rbuf[i];
            h *= 16777619u;
        }
        total += n;
    }
    if (ferror(chk)) fail("read", dst);
    if (fseek(chk, 0, SEEK_END) != 0) fail("seek", dst);
    long end = ftell(chk);
    fclose(chk);
    printf("%s: %lu bytes, fnv1a=%08x, ftell_end=%ld\n", dst, total, (unsigned)h, end);
    return 0;
}
