/* Moves stdout and stderr aside the way yosys does before it runs ABC in
 * the same process (fd_renumber under WASI, dup2 natively), lets a "tool"
 * write its output file and chatter on stdout and stderr while stdio is
 * away, then puts stdio back. The tool's output file must not be given the
 * number 1 or 2, or the chatter lands in it. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

static void move_fd(int from, int to) {
#ifdef __wasi__
    (void)__wasi_fd_renumber(from, to);
#else
    dup2(from, to);
#endif
}

/* Puts the descriptor saved at `saved` back on `target`. WASI preview 1 has
 * no dup2 and fd_renumber needs an open target, so take descriptors until
 * `target` is handed out again, then renumber onto it. */
static int restore_fd(int saved, int target) {
#ifdef __wasi__
    int held[64];
    int n = 0, result = -1;
    while (n < 64) {
        int fd = open("stdio_redirect.in", O_RDONLY);
        if (fd < 0)
            break;
        if (fd == target) {
            result = __wasi_fd_renumber(saved, target) == 0 ? 0 : -1;
            break;
        }
        held[n++] = fd;
    }
    for (int i = 0; i < n; i++)
        close(held[i]);
    return result;
#else
    int result = dup2(saved, target) < 0 ? -1 : 0;
    close(saved);
    return result;
#endif
}

int main(void) {
    FILE *in = fopen("stdio_redirect.in", "w");
    fputs("input line\n", in);
    fclose(in);
    printf("before: stdout works\n");
    fflush(stdout);
    fflush(stderr);

    FILE *capture = fopen("stdio_redirect.capture", "w");
    FILE *old_out = fopen("stdio_redirect.capture", "r"); /* any descriptor */
    FILE *old_err = fopen("stdio_redirect.capture", "r");
    int saved_out = fileno(old_out), saved_err = fileno(old_err);
    move_fd(1, saved_out);
    move_fd(2, saved_err);
    /* Under WASI these two fail: 1 and 2 are closed now. */
    move_fd(fileno(capture), 1);
    move_fd(fileno(capture), 2);
    fclose(capture);

    /* The tool: one output file, chatter on stdout and stderr. */
    FILE *out = fopen("stdio_redirect.out", "w");
    int out_fd = fileno(out);
    printf("tool chatter on stdout\n");
    fflush(stdout);
    fprintf(stderr, "tool chatter on stderr\n");
    fflush(stderr);
    fprintf(out, "result of the tool\n");
    fclose(out);
    dprintf(saved_out, "while away: output file clear of stdio: %s\n",
            out_fd > 2 ? "yes" : "no");

    int restored = restore_fd(saved_out, 1) == 0 && restore_fd(saved_err, 2) == 0;
    printf("after: stdout restored: %s\n", restored ? "yes" : "no");
    fprintf(stderr, "after: stderr restored\n");

    char line[128];
    FILE *check = fopen("stdio_redirect.out", "r");
    while (check && fgets(line, sizeof line, check))
        printf("output file: %s", line);
    if (check)
        fclose(check);
    return 0;
}
