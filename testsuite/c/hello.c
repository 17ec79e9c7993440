/* hello.c — the smallest WASI program: prints "hello, world" to stdout
 * and exits with status 0. Tests fd_write and proc_exit/normal return. */
#include <stdio.h>

int main(void) {
    printf("hello, world\n");
    return 0;
}
