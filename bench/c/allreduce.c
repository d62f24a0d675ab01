/*
 * The peer of `./jgrad bench dist`: MPI_Allreduce (in place, float sum) timed in plain C on the
 * same sizes as jgrad's Communicator.allReduce, so that the ratio shows what the Java binding
 * adds. Usage: mpirun -np N allreduce ITERATIONS FLOATS...; rank 0 prints, per size,
 * "FLOATS SECONDS_PER_CALL" (the median over ITERATIONS timed calls, after warm-up calls).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int iterations = argc > 1 ? atoi(argv[1]) : 20;
    double *times = malloc(sizeof(double) * (iterations > 0 ? iterations : 1));
    for (int a = 2; a < argc; a++) {
        long n = atol(argv[a]);
        float *buf = malloc(sizeof(float) * (n > 0 ? n : 1));
        for (long i = 0; i < n; i++) buf[i] = (float) (i % 7);
        for (int w = 0; w < 10; w++) MPI_Allreduce(MPI_IN_PLACE, buf, (int) n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        for (int it = 0; it < iterations; it++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, buf, (int) n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            times[it] = MPI_Wtime() - t0;
        }
        qsort(times, iterations, sizeof(double), cmp);
        if (rank == 0) printf("%ld %.9f\n", n, times[iterations / 2]);
        fflush(stdout);
        free(buf);
    }
    free(times);
    MPI_Finalize();
    return 0;
}
