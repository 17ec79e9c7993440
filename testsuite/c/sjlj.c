/* setjmp/longjmp, which toolchains now build on wasm exception handling
 * (clang -mllvm -wasm-enable-sjlj): a jump across several frames, a value
 * of 0 turned into 1, nested jump buffers, and a setjmp taken again in a
 * loop. Compared with the native build. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf outer, inner;
static int depth_reached;

static void descend(int n, int value) {
    depth_reached = n;
    if (n == 0)
        longjmp(outer, value);
    descend(n - 1, value);
}

static int nested(int n) {
    if (setjmp(inner) == 0) {
        if (n > 2)
            longjmp(inner, 7);
        return n;
    }
    return -n;
}

int main(void) {
    volatile int rounds = 0;
    int r = setjmp(outer);
    printf("setjmp returned %d after %d round(s), depth %d\n", r, rounds, depth_reached);
    if (rounds < 3) {
        rounds = rounds + 1;
        descend(5 * rounds, rounds == 2 ? 0 : 40 + rounds);
    }
    for (int i = 0; i < 5; i++)
        printf("nested(%d) = %d\n", i, nested(i));
    return 0;
}
