/* Whether stdio is a terminal, and what follows from it: stdout is
 * line-buffered on a terminal (each line appears before the stderr line
 * printed after it) and fully buffered otherwise. Run on pipes and, through
 * `script`, on a pseudo-terminal; the output must match the native build. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("isatty: stdin %d stdout %d stderr %d\n", isatty(0), isatty(1), isatty(2));
    printf("stdout before stderr\n");
    fprintf(stderr, "stderr\n");
    printf("stdout after stderr\n");
    return 0;
}
