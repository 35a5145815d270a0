/* sgemm_peak — OpenBLAS cblas_sgemm GFLOP/s on one shape with OpenBLAS's own threads, the
 * reference beside winnow train's achieved GFLOP/s (bench/train.sh compiles and runs it).
 * usage: sgemm_peak THREADS M N K [REPS]  -> prints the median GFLOP/s */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: sgemm_peak THREADS M N K [REPS]\n"); return 2; }
    int th = atoi(argv[1]), M = atoi(argv[2]), N = atoi(argv[3]), K = atoi(argv[4]);
    int reps = argc > 5 ? atoi(argv[5]) : 9;
    openblas_set_num_threads(th);
    float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N), *c = malloc(sizeof(float) * M * N);
    for (long i = 0; i < (long)M * K; i++) a[i] = (float)(i % 7) * 0.1f;
    for (long i = 0; i < (long)K * N; i++) b[i] = (float)(i % 5) * 0.1f;
    double *g = malloc(sizeof(double) * reps);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1, a, K, b, K, 0, c, N);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1, a, K, b, K, 0, c, N);
        g[r] = 2.0 * M * N * K / (now() - t0) / 1e9;
    }
    qsort(g, reps, sizeof *g, cmp);
    printf("%.1f\n", g[reps / 2]);
    return 0;
}
