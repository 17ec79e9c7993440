/* Dense linear algebra: C = A * B on doubles (PolyBench gemm style), then
 * an LU decomposition without pivoting of a diagonally dominant matrix. */
#include <stdio.h>

#define N 512
static double a[N][N], b[N][N], c[N][N];

int main(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)((i * j + 1) % N) / N;
            b[i][j] = (double)((i * (j + 1) + 2) % N) / N;
        }
    for (int rep = 0; rep < 24; rep++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) c[i][j] = 0.0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) {
                double aik = a[i][k];
                for (int j = 0; j < N; j++) c[i][j] += aik * b[k][j];
            }
        for (int i = 0; i < N; i++) a[i][i] += c[i][(i + rep) % N] * 1e-3;
    }
    /* LU on c made diagonally dominant */
    for (int i = 0; i < N; i++) c[i][i] += 4.0 * N;
    for (int k = 0; k < N; k++)
        for (int i = k + 1; i < N; i++) {
            double l = c[i][k] / c[k][k];
            c[i][k] = l;
            for (int j = k + 1; j < N; j++) c[i][j] -= l * c[k][j];
        }
    double sum = 0.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) sum += c[i][j] * ((i ^ j) & 7);
    printf("matmul checksum %.6e\n", sum);
    return 0;
}
