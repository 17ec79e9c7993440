/* Call-heavy recursion: naive Fibonacci, Ackermann, Takeuchi and a
 * recursive N-queens counter, none of which the compiler can flatten. */
#include <stdio.h>

__attribute__((noinline)) static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static int ack(int m, int n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

__attribute__((noinline)) static int tak(int x, int y, int z) {
    return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z;
}

__attribute__((noinline)) static int queens(int n, int row, unsigned cols, unsigned d1, unsigned d2) {
    if (row == n) return 1;
    int count = 0;
    for (unsigned avail = ~(cols | d1 | d2) & ((1u << n) - 1); avail; avail &= avail - 1) {
        unsigned bit = avail & -avail;
        count += queens(n, row + 1, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
    }
    return count;
}

int main(void) {
    long long acc = fib(40);
    acc = acc * 31 + ack(2, 2000) + ack(3, 10);
    acc = acc * 31 + tak(30, 20, 10);
    acc = acc * 31 + queens(14, 0, 0, 0, 0);
    printf("recursion checksum %lld\n", acc);
    return 0;
}
