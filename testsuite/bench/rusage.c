/* Runs a command once and writes its wall time, CPU time and peak resident
 * memory to a file: how `bench.py` times every run. A child forked from
 * Python starts life inside Python's address space, and the kernel keeps
 * that space's high-water mark in the child's peak (`ru_maxrss` survives
 * exec): every command then measured at least Python's 14-17 MiB. Forked
 * from this small process instead, the floor is about 1 MiB, and the
 * wall time no longer includes Python's own spawning. (`/usr/bin/time`
 * reads the same accounting but prints wall time to 10 ms, and a start-up
 * takes about 1.)
 *
 * usage: rusage OUT COMMAND [ARG ...]   (OUT gets "wall_s cpu_s peak_kib";
 * the exit status is the command's, 128 + N for signal N) */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timespec t) { return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: rusage OUT COMMAND [ARG ...]\n");
        return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid < 0) {
        perror("rusage: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) {
        perror("rusage: wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 2;
    }
    double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
                 usage.ru_stime.tv_usec / 1e6;
    fprintf(out, "%.9f %.6f %ld\n", seconds(end) - seconds(start), cpu, usage.ru_maxrss);
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 2;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
