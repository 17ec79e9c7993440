/* Reads a directory that is not a preopen (opendir/readdir, fd_readdir in
 * WASI) and reports whether "." and ".." are listed, as `scandir`-based
 * cleanup code (yosys's temp-dir removal) expects. wasi-libc drops or
 * stats an entry whose inode number is 0, and ".." cannot be stat'ed from
 * inside a sandboxed directory, so the runtime must give ".." a real one. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir %s failed\n", dir);
        return 1;
    }
    int dot = 0, dotdot = 0, others = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0)
            dot = e->d_ino != 0;
        else if (strcmp(e->d_name, "..") == 0)
            dotdot = e->d_ino != 0;
        else
            others++;
    }
    closedir(d);
    printf("%s: \".\" listed: %s, \"..\" listed: %s, other entries: %d\n", dir,
           dot ? "yes" : "no", dotdot ? "yes" : "no", others);
    return 0;
}
