/* args_env.c — tests args_get/args_sizes_get and environ_get/environ_sizes_get.
 * Prints argc, each argv[i] for i >= 1 (argv[0] differs between a native
 * and a wasm run, so it is not printed), then the values of the environment
 * variables WAOT_A and WAOT_B, or "(unset)". */
#include <stdio.h>
#include <stdlib.h>

static void show_env(const char *name) {
    const char *v = getenv(name);
    if (v)
        printf("%s=[%s]\n", name, v);
    else
        printf("%s=(unset)\n", name);
}

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    show_env("WAOT_A");
    show_env("WAOT_B");
    return 0;
}
