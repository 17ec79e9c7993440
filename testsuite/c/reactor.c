// A WASI reactor, built with `-mexec-model=reactor`: no `main`, no
// `_start`; wasi-libc's `_initialize` runs the C constructors (the prime
// sieve and the greeting below) and the host calls exports afterwards,
// with `waot-run --invoke NAME`. Without `_initialize` every table here is
// empty. Natively (-DNATIVE_MAIN) constructors run before a small main
// that calls the same function and prints its result, for comparison.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef NATIVE_MAIN
#define EXPORT(name) static
#else
#define EXPORT(name) __attribute__((export_name(name)))
#endif

#define LIMIT 100000

static unsigned char *composite;
static unsigned prime_count;
static char greeting[64];
static unsigned calls;

__attribute__((constructor)) static void sieve(void) {
    composite = calloc(LIMIT + 1, 1);
    for (unsigned i = 2; i <= LIMIT; i++) {
        if (composite[i]) continue;
        prime_count++;
        for (unsigned long j = (unsigned long)i * i; j <= LIMIT; j += i) composite[j] = 1;
    }
}

__attribute__((constructor)) static void greet_init(void) {
    snprintf(greeting, sizeof greeting, "%u primes below %u", prime_count, LIMIT);
}

/// How many primes are at most n (n up to LIMIT); counts its calls.
EXPORT("primes_upto") int primes_upto(int n) {
    calls++;
    if (n > LIMIT) n = LIMIT;
    int count = 0;
    for (int i = 2; i <= n; i++) count += composite && !composite[i];
    return count;
}

/// Prints the constructors' greeting `times` times and returns its length
/// plus the number of earlier calls (state persists between exports).
EXPORT("greet") int greet(int times) {
    for (int i = 0; i < times; i++) printf("%d: %s\n", i, greeting);
    fflush(stdout);
    return (int)strlen(greeting) + (int)calls;
}

#ifdef NATIVE_MAIN
int main(int argc, char **argv) {
    if (argc < 3) return 2;
    int arg = atoi(argv[2]);
    int result = strcmp(argv[1], "greet") == 0 ? greet(arg) : primes_upto(arg);
    printf("%d\n", result);
    return 0;
}
#endif
