/* String processing: builds a text of pseudo-random words, then counts
 * words with a hand-written tokenizer, searches substrings with strstr,
 * reverses words in place and formats numbers with snprintf. */
#include <stdio.h>
#include <string.h>

#define TEXT (2 << 20)
static char text[TEXT + 64], copy[TEXT + 64];
static const char *words[] = {"wasm", "ahead", "of", "time", "compiler", "loader", "artifact",
                              "cranelift", "memory", "table", "global", "function", "trap", "stack"};

static unsigned rng = 7;
static unsigned next(void) { rng = rng * 1103515245u + 12345u; return rng >> 16; }

int main(void) {
    long len = 0;
    while (len < TEXT) {
        const char *w = words[next() % 14];
        size_t n = strlen(w);
        memcpy(text + len, w, n);
        len += n;
        text[len++] = next() % 11 == 0 ? '\n' : ' ';
    }
    text[len] = 0;
    unsigned long long acc = 0;
    for (int round = 0; round < 60; round++) {
        long count = 0, in_word = 0;
        for (long i = 0; i < len; i++) {
            int sp = text[i] == ' ' || text[i] == '\n';
            if (!sp && !in_word) count++;
            in_word = !sp;
        }
        acc = acc * 31 + count;
        long hits = 0;
        for (const char *p = text; (p = strstr(p, words[round % 14])) != NULL; p++) hits++;
        acc = acc * 31 + hits;
        memcpy(copy, text, len + 1);
        for (long i = 0; i < len;) {
            long j = i;
            while (j < len && copy[j] != ' ' && copy[j] != '\n') j++;
            for (long a = i, b = j - 1; a < b; a++, b--) { char c = copy[a]; copy[a] = copy[b]; copy[b] = c; }
            i = j + 1;
        }
        for (long i = 0; i < len; i += 4096) acc = acc * 131 + (unsigned char)copy[i];
        char num[32];
        for (int i = 0; i < 100000; i++) {
            int n = snprintf(num, sizeof num, "%d:%x", i * round, i);
            acc += n + (unsigned char)num[n - 1];
        }
    }
    printf("strings checksum %llu\n", acc);
    return 0;
}
