/* fs_ops.c — exercises the WASI calls the other programs do not:
 * mkdir, rename, unlink, rmdir, symlink/readlink, link, stat/lstat,
 * ftruncate, pread/pwrite, lseek, O_APPEND, O_EXCL, utimes, nanosleep
 * (poll_oneoff), clock_gettime, getentropy, fsync/fdatasync, posix_fallocate.
 * Prints only deterministic facts, so the native build prints the same.
 * Run with the working directory (or the preopened ".") writable and empty
 * of the names below. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;
static void check(const char *what, int ok) {
    printf("%-28s %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) failures++;
}

int main(void) {
    check("mkdir work", mkdir("work", 0755) == 0);
    check("mkdir existing fails", mkdir("work", 0755) != 0 && errno == EEXIST);
    int fd = open("work/a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check("open create", fd >= 0);
    check("write", write(fd, "hello world", 11) == 11);
    check("pwrite", pwrite(fd, "W", 1, 6) == 1);
    char buf[32] = {0};
    check("pread", pread(fd, buf, 11, 0) == 11 && strcmp(buf, "hello World") == 0);
    check("lseek end", lseek(fd, 0, SEEK_END) == 11);
    check("lseek set", lseek(fd, 2, SEEK_SET) == 2);
    memset(buf, 0, sizeof buf);
    check("read after seek", read(fd, buf, 3) == 3 && strcmp(buf, "llo") == 0);
    check("ftruncate", ftruncate(fd, 5) == 0);
    struct stat st;
    check("fstat size", fstat(fd, &st) == 0 && st.st_size == 5 && S_ISREG(st.st_mode));
    check("fsync", fsync(fd) == 0);
    check("fdatasync", fdatasync(fd) == 0);
    check("posix_fallocate", posix_fallocate(fd, 0, 100) == 0 && fstat(fd, &st) == 0 && st.st_size == 100);
    check("close", close(fd) == 0);

    fd = open("work/a.txt", O_WRONLY | O_APPEND);
    check("open append", fd >= 0);
    check("append write", write(fd, "!", 1) == 1);
    close(fd);
    check("size after append", stat("work/a.txt", &st) == 0 && st.st_size == 101);
    check("O_EXCL on existing fails", open("work/a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 && errno == EEXIST);
    check("open missing fails", open("work/missing", O_RDONLY) < 0 && errno == ENOENT);

    check("rename", rename("work/a.txt", "work/b.txt") == 0);
    check("old name gone", stat("work/a.txt", &st) != 0 && errno == ENOENT);
    check("link", link("work/b.txt", "work/c.txt") == 0);
    check("link count", stat("work/b.txt", &st) == 0 && st.st_nlink == 2);
    check("symlink", symlink("b.txt", "work/s.txt") == 0);
    char target[64] = {0};
    ssize_t n = readlink("work/s.txt", target, sizeof target - 1);
    check("readlink", n == 5 && strcmp(target, "b.txt") == 0);
    check("lstat is link", lstat("work/s.txt", &st) == 0 && S_ISLNK(st.st_mode));
    check("stat follows link", stat("work/s.txt", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 101);

    struct timeval times[2] = {{1000000000, 0}, {1234567890, 0}};
    check("utimes", utimes("work/b.txt", times) == 0);
    check("mtime set", stat("work/b.txt", &st) == 0 && st.st_mtime == 1234567890);

    check("rmdir non-empty fails", rmdir("work") != 0 && errno == ENOTEMPTY);
    check("unlink link", unlink("work/s.txt") == 0);
    check("unlink hard link", unlink("work/c.txt") == 0);
    check("unlink file", unlink("work/b.txt") == 0);
    check("rmdir", rmdir("work") == 0);

    struct timespec t0, t1, sleep = {0, 20 * 1000 * 1000};
    check("clock monotonic", clock_gettime(CLOCK_MONOTONIC, &t0) == 0);
    check("nanosleep", nanosleep(&sleep, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long elapsed_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    check("slept at least 20 ms", elapsed_ms >= 20);
    struct timespec now;
    check("clock realtime after 2020", clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec > 1577836800);
    unsigned char random[32] = {0};
    int nonzero = 0;
    check("getentropy", getentropy(random, sizeof random) == 0);
    for (int i = 0; i < 32; i++) nonzero |= random[i];
    check("random bytes not all zero", nonzero != 0);

    printf("%d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
