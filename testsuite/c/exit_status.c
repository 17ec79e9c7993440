/* exit_status.c — usage: exit_status N
 * Prints "exiting with N" (stdout is flushed by exit) and calls exit(N).
 * Tests proc_exit with a nonzero code and that buffered output is flushed
 * before the process ends. With no argument it exits with 2. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: exit_status N\n");
        return 2;
    }
    int n = atoi(argv[1]);
    printf("exiting with %d\n", n);
    exit(n);
}
