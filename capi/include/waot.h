/*
 * waot.h — what libwaot_run offers beside the standard C API (wasm.h):
 * why a call failed, WASI, and WASI exit statuses.
 */
#ifndef WAOT_H
#define WAOT_H

#include "wasm.h"
#include "waot_native.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kind of a value of the GC proposal's `any` hierarchy (`anyref`,
 * `eqref`, `i31ref`, structs and arrays), beside wasm.h's kinds. Its
 * `ref` is a foreign object standing for the reference (NULL for null),
 * which the caller deletes with wasm_ref_delete; it may be passed back to
 * wasm while the host function call or the top-level call it came from is
 * in progress, or later when received at top level. */
#define WAOT_ANYREF 131

/* The last error of this thread (why the last call that returned NULL or
 * false failed), as waot-run words it: the message and the hint (an empty
 * string when there is none), each NUL-terminated, for the caller to
 * delete with wasm_name_delete. False when no call has failed. */
bool waot_error_message(wasm_name_t* message, wasm_name_t* hint);

/* WASI preview 1: a configuration (arguments, environment, preopened
 * directories, stdio) given to a store, then an import vector for a module
 * with WASI functions where it imports `wasi_snapshot_preview1`. */
typedef struct waot_wasi_config_t waot_wasi_config_t;

waot_wasi_config_t* waot_wasi_config_new(void);
void waot_wasi_config_delete(waot_wasi_config_t*);
/* Appends an argument; the first is the program's name (argv[0]). */
void waot_wasi_config_arg(waot_wasi_config_t*, const char* arg);
void waot_wasi_config_env(waot_wasi_config_t*, const char* name, const char* value);
/* Gives the guest host directory `host_path` as `guest_path`. */
void waot_wasi_config_preopen_dir(waot_wasi_config_t*, const char* host_path, const char* guest_path);
/* The guest's stdin, stdout and stderr are the host process's. */
void waot_wasi_config_inherit_stdio(waot_wasi_config_t*);

/* Gives the store this WASI configuration (taking it over): false when a
 * directory cannot be opened (waot_error_message says which). */
bool waot_store_set_wasi(wasm_store_t*, waot_wasi_config_t*);

/* One extern per import of `module`, in order: a WASI function for each
 * `wasi_snapshot_preview1` import, NULL for the others (for the host to
 * fill in before wasm_instance_new). False when the store has no WASI
 * configuration or a WASI import has another type. */
bool waot_wasi_imports(wasm_store_t*, const wasm_module_t*, wasm_extern_vec_t* out);

/* Whether the trap is a WASI proc_exit, and its status. */
bool waot_trap_exit_status(const wasm_trap_t*, int* status);

/* Fuel and epoch deadlines (modules compiled with `waot compile --fuel`,
 * `--epoch-interruption`): wasm that runs out of fuel traps with "all fuel
 * consumed by WebAssembly", past its deadline with "interrupted". The
 * store functions return false when the engine does not count fuel. */
void waot_config_consume_fuel(wasm_config_t*, bool enable);
void waot_config_epoch_interruption(wasm_config_t*, bool enable);
bool waot_store_set_fuel(wasm_store_t*, uint64_t fuel);
bool waot_store_get_fuel(wasm_store_t*, uint64_t* fuel);
/* The deadline is `ticks` epochs past the engine's current one. */
void waot_store_set_epoch_deadline(wasm_store_t*, uint64_t ticks);
/* Advances the engine's epoch (from any thread, e.g. a timer). */
void waot_engine_increment_epoch(const wasm_engine_t*);

/* Resource limits: each memory of the store at most `memory_bytes`, each
 * table at most `table_elements` (0: no limit), from now on; beyond them
 * instantiation fails and memory.grow / table.grow return -1. False when
 * called from a host function of the store (set limits before calls). */
bool waot_store_limit(wasm_store_t*, size_t memory_bytes, size_t table_elements);

/* Engines made with this configuration open only modules signed with the
 * key in the public key file `path` (`waot keygen`, `waot compile
 * --sign`): false when the file is no such key. */
bool waot_config_require_signature(wasm_config_t*, const char* path);

/* Natives by WAMR-style signature strings (waot_native.h): each empty slot
 * of `imports` whose import a symbol names gets that C function, its
 * pointer arguments checked against the caller's memory before it runs.
 * An empty vector is first made the module's import count long (NULL
 * slots); a vector from waot_wasi_imports may be given. False on a bad
 * signature. */
bool waot_native_imports(wasm_store_t*, const wasm_module_t*, const waot_native_symbol* symbols,
                         size_t count, wasm_extern_vec_t* imports);

/* A module linked into the program: `waot compile --emit object app.wasm
 * -o app.o` writes an object that defines
 *     extern const waot_static_module_t app;
 * (the name is the output's, or --symbol NAME). Link app.o with
 * libwaot_run.a, and waot_module_new_static gives the module, with every
 * check of an artifact (format, ABI fingerprint, target, CPU features, …)
 * and its diagnostics; nothing is mapped executable at run time. NULL
 * when a check fails (waot_error_message says which). The record's fields
 * are the object's; a host never writes one. */
typedef struct waot_static_module_t {
  uint8_t magic[8];
  uint32_t layout;
  uint32_t reserved;
  const uint8_t* meta;
  uint64_t meta_len;
  const uint8_t* text;
  uint64_t text_len;
} waot_static_module_t;

wasm_module_t* waot_module_new_static(wasm_store_t*, const waot_static_module_t* module);

#ifdef __cplusplus
}
#endif

#endif /* WAOT_H */
