/* A stencil: Jacobi iterations of the 2-D heat equation on a float grid
 * (PolyBench jacobi-2d style). */
#include <stdio.h>

#define N 512
#define STEPS 4000
static float g0[N][N], g1[N][N];

int main(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) g0[i][j] = g1[i][j] = (float)((i * 7 + j * 13) % 97) / 97.0f;
    for (int t = 0; t < STEPS; t++) {
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                g1[i][j] = 0.2f * (g0[i][j] + g0[i - 1][j] + g0[i + 1][j] + g0[i][j - 1] + g0[i][j + 1]);
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                g0[i][j] = 0.2f * (g1[i][j] + g1[i - 1][j] + g1[i + 1][j] + g1[i][j - 1] + g1[i][j + 1]);
    }
    double sum = 0.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) sum += g0[i][j] * (1 + ((i + j) & 3));
    printf("stencil checksum %.6e\n", sum);
    return 0;
}
