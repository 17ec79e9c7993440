/* Dynamic programming: Levenshtein distances and the longest common
 * subsequence between pseudo-random strings, two rows at a time. */
#include <stdio.h>
#include <string.h>

#define LEN 5000
static char s[LEN + 1], t[LEN + 1];
static int prev[LEN + 1], cur[LEN + 1];

static unsigned rng = 12345;
static unsigned next(void) { rng = rng * 1103515245u + 12345u; return rng >> 16; }

static int levenshtein(const char *x, const char *y, int n, int m) {
    for (int j = 0; j <= m; j++) prev[j] = j;
    for (int i = 1; i <= n; i++) {
        cur[0] = i;
        for (int j = 1; j <= m; j++) {
            int sub = prev[j - 1] + (x[i - 1] != y[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            int best = sub < del ? sub : del;
            cur[j] = best < ins ? best : ins;
        }
        memcpy(prev, cur, sizeof(int) * (m + 1));
    }
    return prev[m];
}

static int lcs(const char *x, const char *y, int n, int m) {
    memset(prev, 0, sizeof(int) * (m + 1));
    for (int i = 1; i <= n; i++) {
        cur[0] = 0;
        for (int j = 1; j <= m; j++) {
            if (x[i - 1] == y[j - 1]) cur[j] = prev[j - 1] + 1;
            else cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
        }
        memcpy(prev, cur, sizeof(int) * (m + 1));
    }
    return prev[m];
}

int main(void) {
    long long total = 0;
    for (int round = 0; round < 16; round++) {
        for (int i = 0; i < LEN; i++) { s[i] = 'a' + next() % 4; t[i] = 'a' + next() % 4; }
        total += levenshtein(s, t, LEN, LEN) * 3 + lcs(s, t, LEN, LEN);
    }
    printf("edit_distance checksum %lld\n", total);
    return 0;
}
