/* host.c — a C program that runs a WASI program through libwaot_run, the
 * standard WebAssembly C API (wasm.h) plus waot.h.
 *
 * Dynamic: the guest is an artifact file.
 *     waot compile app.wasm -o app.aot
 *     cc host.c -Itarget/capi/include target/capi/lib/libwaot_run.a \
 *        -lpthread -ldl -lm -lrt -o host
 *     ./host app.aot ARGS...
 *
 * Static: the guest's code is linked into the program; nothing is mapped
 * executable at run time.
 *     waot compile --emit object app.wasm -o app.o   (defines `app`)
 *     cc -DWAOT_STATIC_MODULE=app host.c app.o -Itarget/capi/include \
 *        target/capi/lib/libwaot_run.a -lpthread -ldl -lm -lrt -o app
 *     ./app ARGS...
 *
 * The guest gets the arguments, the current directory as ".", and this
 * process's stdio; the program exits with the guest's status. Imports
 * other than WASI's are refused, or with WAOT_ALLOW_UNRESOLVED=1 linked to
 * functions that trap when called (waot-run --allow-unresolved). Errors
 * are printed as waot-run prints them: `error: …` then `hint: …`. */
#include <stdio.h>
#include <stdlib.h>

#include "waot.h"

#ifdef WAOT_STATIC_MODULE
extern const waot_static_module_t WAOT_STATIC_MODULE;
#endif

/* Prints why the last call failed and returns 1. */
static int fail(const char* what) {
  wasm_name_t message, hint;
  if (waot_error_message(&message, &hint)) {
    fprintf(stderr, "error: %s\n", message.data);
    if (hint.size > 1) fprintf(stderr, "hint: %s\n", hint.data);
    wasm_name_delete(&message);
    wasm_name_delete(&hint);
  } else {
    fprintf(stderr, "error: %s\n", what);
  }
  return 1;
}

static wasm_module_t* load(wasm_store_t* store, int* argc, char*** argv) {
#ifdef WAOT_STATIC_MODULE
  (void)argc;
  (void)argv;
  return waot_module_new_static(store, &WAOT_STATIC_MODULE);
#else
  if (*argc < 2) {
    fprintf(stderr, "usage: %s APP.aot [ARGS...]\n", (*argv)[0]);
    exit(2);
  }
  const char* path = (*argv)[1];
  ++*argv;
  --*argc;
  FILE* file = fopen(path, "rb");
  if (!file) {
    fprintf(stderr, "error: cannot open '%s'\n", path);
    exit(1);
  }
  fseek(file, 0L, SEEK_END);
  long size = ftell(file);
  fseek(file, 0L, SEEK_SET);
  wasm_byte_vec_t bytes;
  wasm_byte_vec_new_uninitialized(&bytes, (size_t)size);
  size_t got = size > 0 ? fread(bytes.data, (size_t)size, 1, file) : 1;
  fclose(file);
  wasm_module_t* module = got == 1 ? wasm_module_new(store, &bytes) : NULL;
  wasm_byte_vec_delete(&bytes);
  return module;
#endif
}

/* What an import nothing provides does when called. */
static wasm_trap_t* unresolved(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "unresolved import");
  wasm_trap_t* trap = wasm_trap_new(NULL, &message);
  wasm_name_delete(&message);
  return trap;
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load(store, &argc, &argv);
  if (!module) return fail("cannot load the module");

  waot_wasi_config_t* wasi = waot_wasi_config_new();
  for (int i = 0; i < argc; ++i) waot_wasi_config_arg(wasi, argv[i]);
  waot_wasi_config_preopen_dir(wasi, ".", ".");
  waot_wasi_config_inherit_stdio(wasi);
  if (!waot_store_set_wasi(store, wasi)) return fail("cannot set up WASI");

  wasm_extern_vec_t imports;
  if (!waot_wasi_imports(store, module, &imports)) return fail("cannot link WASI");
  wasm_importtype_vec_t types;
  wasm_module_imports(module, &types);
  const char* allow = getenv("WAOT_ALLOW_UNRESOLVED");
  for (size_t i = 0; i < imports.size; ++i) {
    if (imports.data[i] != NULL) continue;
    const wasm_externtype_t* type = wasm_importtype_type(types.data[i]);
    const wasm_functype_t* func_type = wasm_externtype_as_functype_const(type);
    if (allow && *allow == '1' && func_type) {
      /* As waot-run --allow-unresolved: a function that traps if called. */
      imports.data[i] = wasm_func_as_extern(wasm_func_new(store, func_type, unresolved));
      continue;
    }
    const wasm_name_t* m = wasm_importtype_module(types.data[i]);
    const wasm_name_t* n = wasm_importtype_name(types.data[i]);
    fprintf(stderr, "error: unresolved import %.*s.%.*s\n", (int)m->size, m->data,
            (int)n->size, n->data);
    fprintf(stderr, "hint: WAOT_ALLOW_UNRESOLVED=1 links it to a function that traps when called\n");
    return 1;
  }
  wasm_importtype_vec_delete(&types);

  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  wasm_extern_vec_delete(&imports);
  if (!instance) {
    wasm_trap_delete(trap);
    return fail("cannot instantiate the module");
  }

  /* Find `_start` by name among the exports. */
  wasm_exporttype_vec_t export_types;
  wasm_module_exports(module, &export_types);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  const wasm_func_t* start = NULL;
  for (size_t i = 0; i < export_types.size && i < exports.size; ++i) {
    const wasm_name_t* name = wasm_exporttype_name(export_types.data[i]);
    if (name->size == 6 && memcmp(name->data, "_start", 6) == 0)
      start = wasm_extern_as_func(exports.data[i]);
  }
  int status = 0;
  if (!start) {
    fprintf(stderr, "error: the module exports no _start function\n");
    status = 1;
  } else {
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    trap = wasm_func_call(start, &none, &none);
    if (trap && !waot_trap_exit_status(trap, &status)) {
      wasm_message_t message;
      wasm_trap_message(trap, &message);
      fflush(stdout);
      fprintf(stderr, "error: wasm trap: %s\n", message.data);
      wasm_name_delete(&message);
      status = 134;
    }
    wasm_trap_delete(trap);
  }
  fflush(stdout);
  wasm_extern_vec_delete(&exports);
  wasm_exporttype_vec_delete(&export_types);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return status;
}
