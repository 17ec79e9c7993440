/* waot_native.h — write native libraries for `waot-run --native-lib`.
 *
 * A native library is a shared object that exports one function:
 *
 *     uint32_t waot_native_symbols(const waot_native_symbol **symbols);
 *
 * It stores the address of a static array of symbols in *symbols and
 * returns the array's length. Each symbol names the wasm import it provides
 * (module and field name), its signature, and a plain C function.
 *
 * Signature strings follow WAMR's convention: "(" parameters ")" result,
 * one character per value:
 *   i  int32_t       I  int64_t       f  float       F  double
 *   r  externref (uint64_t, 0 = null)
 *   *  pointer into the guest's linear memory (void *)
 *   ~  int32_t length in bytes of the preceding pointer
 *   $  NUL-terminated string in linear memory (const char *)
 * The result is one of i I f F r, or nothing for void.
 *
 * Before the function runs, waot-run checks every pointer against the
 * caller's current memory: a pointer followed by ~ must cover its length,
 * a lone pointer at least one byte, and a string must end inside memory.
 * A bad pointer traps with "out of bounds memory access" naming the import;
 * the function is not called. A guest NULL (0) arrives as NULL. Pointers are
 * valid only during the call. At most 8 integer-class and 8 float
 * parameters are supported (on s390x 5 and 4: those its C ABI passes in
 * registers).
 */
#ifndef WAOT_NATIVE_H
#define WAOT_NATIVE_H

#include <stdint.h>

typedef struct waot_native_symbol {
    const char *module;    /* import module name, e.g. "env" */
    const char *name;      /* import field name, e.g. "fill" */
    const char *signature; /* e.g. "(*~i)i" */
    void *func;            /* the C function */
} waot_native_symbol;

/* The one entry point a native library exports. */
uint32_t waot_native_symbols(const waot_native_symbol **symbols);

#endif
