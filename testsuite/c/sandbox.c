/* sandbox.c — checks that the WASI filesystem sandbox holds. Run under waot
 * with a temp dir preopened as "." (and nothing else). Tries to open for
 * reading, in order:
 *   ../outside.txt          parent of the preopen        -> must be refused
 *   /etc/hostname           absolute path, no preopen    -> must be refused
 *   link_out                symlink -> ../outside.txt    -> must be refused
 *   sub/../../outside.txt   ".." escaping via a subdir   -> must be refused
 *   inside.txt              regular file inside          -> must open
 * and prints "PATH: refused" or "PATH: OPENED" for each. Always exits 0.
 * Natively (no sandbox) the first four may open; the expected output under
 * waot is in sandbox.expected and is NOT compared with a native run. */
#include <stdio.h>

static void try_open(const char *path) {
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        printf("%s: OPENED\n", path);
    } else {
        printf("%s: refused\n", path);
    }
}

int main(void) {
    try_open("../outside.txt");
    try_open("/etc/hostname");
    try_open("link_out");
    try_open("sub/../../outside.txt");
    try_open("inside.txt");
    return 0;
}
