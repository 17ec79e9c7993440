// A tail-recursive state machine (Wasm 3.0 tail calls): a tokenizer whose
// states call each other in tail position with `musttail`, one call per
// input byte, over 30 million bytes. Without tail calls that is 30 million
// nested frames and the stack overflows; with them it runs in constant
// stack. Built with clang `-mtail-call`; gcc (no `musttail` before GCC 15)
// turns the same calls into jumps at -O2.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__clang__) && !defined(NO_MUSTTAIL)
#define TAIL __attribute__((musttail))
#else
#define TAIL
#endif

struct counts {
    uint64_t words, numbers, sum, checksum;
};

typedef void state_fn(const unsigned char *p, const unsigned char *end, struct counts *c,
                      uint64_t acc);

static state_fn in_space, in_word, in_number;

static void in_space(const unsigned char *p, const unsigned char *end, struct counts *c,
                     uint64_t acc) {
    if (p == end) return;
    unsigned char b = *p;
    c->checksum = c->checksum * 31 + b;
    if (b >= '0' && b <= '9') {
        c->numbers++;
        TAIL return in_number(p + 1, end, c, (uint64_t)(b - '0'));
    }
    if (b >= 'a' && b <= 'z') {
        c->words++;
        TAIL return in_word(p + 1, end, c, 0);
    }
    TAIL return in_space(p + 1, end, c, 0);
}

static void in_word(const unsigned char *p, const unsigned char *end, struct counts *c,
                    uint64_t acc) {
    if (p == end) return;
    unsigned char b = *p;
    c->checksum = c->checksum * 31 + b;
    if (b >= 'a' && b <= 'z') TAIL return in_word(p + 1, end, c, acc + 1);
    TAIL return in_space(p, end, c, 0);
}

static void in_number(const unsigned char *p, const unsigned char *end, struct counts *c,
                      uint64_t acc) {
    if (p == end) {
        c->sum += acc;
        return;
    }
    unsigned char b = *p;
    if (b >= '0' && b <= '9') {
        c->checksum = c->checksum * 31 + b;
        TAIL return in_number(p + 1, end, c, acc * 10 + (uint64_t)(b - '0'));
    }
    c->sum += acc;
    TAIL return in_space(p, end, c, 0);
}

int main(void) {
    const size_t n = 30u * 1000 * 1000;
    unsigned char *text = malloc(n);
    if (!text) return 1;
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        unsigned r = (x >> 16) % 40;
        text[i] = r < 26 ? (unsigned char)('a' + r) : r < 36 ? (unsigned char)('0' + r - 26) : ' ';
    }
    struct counts c = {0, 0, 0, 0};
    in_space(text, text + n, &c, 0);
    printf("words %llu numbers %llu sum %llu checksum %llu\n", (unsigned long long)c.words,
           (unsigned long long)c.numbers, (unsigned long long)c.sum,
           (unsigned long long)c.checksum);
    free(text);
    return 0;
}
