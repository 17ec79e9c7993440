/* dir_list.c — usage: dir_list DIR
 * Lists DIR with opendir/readdir (fd_readdir in WASI), skipping "." and
 * "..", sorts the names with strcmp (readdir order is unspecified), and
 * prints one line per entry: "<d|f> <size> <name>", where the type comes
 * from stat() (path_filestat_get) and size is printed only for regular
 * files ("-" for directories, whose st_size differs between systems).
 * Ends with a count line. Exits 1 if DIR cannot be opened. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: dir_list DIR\n");
        return 1;
    }
    const char *dir = argv[1];
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "dir_list: opendir %s failed\n", dir);
        return 1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            names = realloc(names, cap * sizeof *names);
            if (!names) { fprintf(stderr, "dir_list: out of memory\n"); return 1; }
        }
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, cmp_str);

    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(dir) + 1 + strlen(names[i]) + 1;
        char *path = malloc(len);
        snprintf(path, len, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) != 0)
            printf("? - %s (stat failed)\n", names[i]);
        else if (S_ISDIR(st.st_mode))
            printf("d - %s\n", names[i]);
        else
            printf("f %lld %s\n", (long long)st.st_size, names[i]);
        free(path);
        free(names[i]);
    }
    free(names);
    printf("%zu entries\n", count);
    return 0;
}
