/* printf.c — exercises libc formatting (which in wasm runs entirely inside
 * the guest, so this mostly tests the compiler: integer/float arithmetic,
 * 64-bit operations, varargs, and stdout buffering of a large output).
 * Integers: signed/unsigned, widths, flags, precision, hex/octal, char/short
 * /long long, INT_MIN/INT_MAX/LLONG_MIN/LLONG_MAX/ULLONG_MAX.
 * Floats: %f %e %g %.17g of 0.1, 1e300, -0.0, subnormals, etc. inf/nan are
 * printed as words via isinf/isnan (the sign of a nan prints differently
 * between libcs). %a and long double are avoided (they differ between
 * glibc and wasi-libc). Ends with snprintf truncation checks. */
#include <limits.h>
#include <math.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void fp_word(const char *label, double d) {
    if (isnan(d))
        printf("%s: nan\n", label);
    else if (isinf(d))
        printf("%s: %sinf\n", label, d < 0 ? "-" : "+");
    else
        printf("%s: finite %.17g\n", label, d);
}

static void fp_all(const char *label, double d) {
    printf("%-10s f=[%f] e=[%e] g=[%g] 17g=[%.17g]\n", label, d, d, d, d);
}

/* volatile so the compiler cannot fold the arithmetic at compile time */
static volatile double vzero = 0.0, vone = 1.0, vbig = 1e300;

int main(void) {
    /* ---- integers ---- */
    int ints[] = {0, 1, -1, 42, -42, 123456789, -987654321, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int v = ints[i];
        printf("d=[%d] 12d=[%12d] -12d=[%-12d] 012d=[%012d] +d=[%+d] sp=[% d] .5d=[%.5d]"
               " u=[%u] x=[%x] X=[%X] #x=[%#x] o=[%o] #o=[%#o]\n",
               v, v, v, v, v, v, v, (unsigned)v, (unsigned)v, (unsigned)v,
               (unsigned)v, (unsigned)v, (unsigned)v);
    }
    long long lls[] = {0LL, -1LL, 1LL << 40, -(1LL << 40), 1234567890123456789LL,
                       LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof lls / sizeof lls[0]; i++) {
        long long v = lls[i];
        printf("lld=[%lld] 25lld=[%25lld] llu=[%llu] llx=[%llx] #llo=[%#llo]\n",
               v, v, (unsigned long long)v, (unsigned long long)v,
               (unsigned long long)v);
    }
    printf("ULLONG_MAX=[%llu] hex=[%llX]\n", ULLONG_MAX, ULLONG_MAX);
    printf("UINT_MAX=[%u] hex=[%#X]\n", UINT_MAX, UINT_MAX);
    printf("INT64_MIN/UINT64_MAX: [%lld] [%llu]\n", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
    printf("hhd=[%hhd] hhu=[%hhu] hd=[%hd] hu=[%hu]\n",
           (signed char)-5, (unsigned char)250, (short)-30000, (unsigned short)65000);
    printf("star width=[%*d] star prec=[%.*d] neg star=[%*d]\n", 8, 77, 6, 77, -8, 77);
    printf("zu=[%zu] c=[%c%c%c] pct=[%%]\n", (size_t)123456, 'w', 'a', 'o');
    printf("s=[%s] 10s=[%10s] -10s=[%-10s] .3s=[%.3s] empty=[%s]\n",
           "waot", "waot", "waot", "waot-runtime", "");

    /* ---- floats ---- */
    fp_all("0.1", 0.1);
    fp_all("1/3", 1.0 / 3.0);
    fp_all("2/3", 2.0 / 3.0);
    fp_all("-0.0", -0.0);
    fp_all("0.0", 0.0);
    fp_all("1.5", 1.5);
    fp_all("2.5", 2.5);          /* round-half-even in %.0f below */
    fp_all("1e300", 1e300);
    fp_all("-1e-300", -1e-300);
    fp_all("DBL_MAX", DBL_MAX);
    fp_all("DBL_MIN", DBL_MIN);
    fp_all("denorm_min", 4.9406564584124654e-324);
    fp_all("subnormal", DBL_MIN / 1024.0);
    fp_all("pi", 3.14159265358979323846);
    fp_all("123456789", 123456789.0);
    fp_all("1e21", 1e21);
    fp_all("float", (double)1.1f);
    fp_all("FLT_MAX", (double)FLT_MAX);
    printf("%%.0f of 0.5 1.5 2.5 3.5: [%.0f] [%.0f] [%.0f] [%.0f]\n", 0.5, 1.5, 2.5, 3.5);
    printf("%%.3f/%%.3e/%%.3g 1234.5678: [%.3f] [%.3e] [%.3g]\n", 1234.5678, 1234.5678, 1234.5678);
    printf("%%10.2f [%10.2f] %%-10.2f [%-10.2f] %%+.2f [%+.2f] %%010.3f [%010.3f]\n",
           3.14159, 3.14159, 3.14159, -3.14159);
    printf("%%#g [%#g] %%#.0f [%#.0f] %%G [%G] %%E [%E]\n", 1.0, 2.0, 1e-10, 12345.678);
    printf("1e300 %%f: %f\n", 1e300);
    printf("-0.0 == 0.0: %d, signbit(-0.0): %d\n", -0.0 == 0.0, signbit(-0.0) != 0);

    double inf = vone / vzero;
    double ninf = -vone / vzero;
    double nan1 = vzero / vzero;
    double ovf = vbig * vbig;
    fp_word("1/0", inf);
    fp_word("-1/0", ninf);
    fp_word("0/0", nan1);
    fp_word("1e300*1e300", ovf);
    fp_word("sqrt(-1)", sqrt(-vone));
    fp_word("INFINITY", INFINITY);
    fp_word("NAN", NAN);
    fp_word("0.1+0.2", 0.1 + vzero + 0.2);
    printf("nan==nan: %d, inf>DBL_MAX: %d\n", nan1 == nan1, inf > DBL_MAX);

    /* float <-> int conversions done at run time */
    volatile double dv = -2.75;
    volatile float fv = 16777217.0f;
    printf("(int)-2.75=%d (long long)1e18=%lld (unsigned)3.9=%u float(16777217)=%.1f\n",
           (int)dv, (long long)(vone * 1e18), (unsigned)(vone * 3.9), (double)fv);
    printf("floor/ceil/trunc/round -2.5: %g %g %g %g\n",
           floor(dv + 0.25), ceil(dv + 0.25), trunc(dv + 0.25), round(dv + 0.25));

    /* ---- snprintf truncation ---- */
    /* sizes come from a volatile so the compiler neither folds nor warns */
    static volatile size_t sz8 = 8, sz1 = 1;
    char buf[16];
    memset(buf, 'X', sizeof buf);
    int n = snprintf(buf, sz8, "%s-%d", "truncate", 12345);
    printf("snprintf(8) returned %d, buf=[%s], buf[8]=%c\n", n, buf, buf[8]);
    n = snprintf(buf, sizeof buf, "%d", 42);
    printf("snprintf(16) returned %d, buf=[%s]\n", n, buf);
    n = snprintf(NULL, 0, "%lld|%f", LLONG_MIN, 1e10);
    printf("snprintf(NULL,0) returned %d\n", n);
    memset(buf, 'X', sizeof buf);
    n = snprintf(buf, sz1, "abc");
    printf("snprintf(1) returned %d, buf[0]=%d buf[1]=%c\n", n, buf[0], buf[1]);
    char big[64];
    n = snprintf(big, sizeof big, "%08.3f|%-6s|%+05d|%x", -1.5, "ab", 7, 0xdeadbeefu);
    printf("snprintf(64) returned %d, big=[%s]\n", n, big);
    fflush(stdout);
    return 0;
}
