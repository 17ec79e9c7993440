/* wasi.c — WASI through waot.h: a configuration given to the store, the
 * import vector with WASI functions where the module imports them and a
 * host function of our own in the remaining slot, and proc_exit's status
 * read from the trap. */
#include <stdio.h>

#include "waot.h"

static wasm_trap_t* note(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)results;
  fflush(stdout);
  printf("the guest has %d argument(s)\n", args->data[0].of.i32);
  return NULL;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  FILE* file = fopen("wasi.wasm", "rb");
  fseek(file, 0L, SEEK_END);
  size_t size = ftell(file);
  fseek(file, 0L, SEEK_SET);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new_uninitialized(&binary, size);
  if (fread(binary.data, size, 1, file) != 1) return 1;
  fclose(file);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);

  wasm_extern_vec_t imports;
  printf("imports before WASI is configured: %d\n", waot_wasi_imports(store, module, &imports));
  wasm_name_t message, hint;
  if (waot_error_message(&message, &hint)) {
    printf("error: %s\nhint: %s\n", message.data, hint.data);
    wasm_name_delete(&message);
    wasm_name_delete(&hint);
  }

  waot_wasi_config_t* config = waot_wasi_config_new();
  waot_wasi_config_arg(config, "guest");
  waot_wasi_config_arg(config, "one");
  waot_wasi_config_inherit_stdio(config);
  waot_store_set_wasi(store, config);

  waot_wasi_config_t* missing = waot_wasi_config_new();
  waot_wasi_config_preopen_dir(missing, "/no/such/directory", "/data");
  printf("a missing directory is refused: %d\n", !waot_store_set_wasi(store, missing));

  if (!waot_wasi_imports(store, module, &imports)) return 1;
  printf("imports: %zu, the host's slot empty: %d\n", imports.size, imports.data[3] == NULL);
  wasm_functype_t* type = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasm_func_t* host = wasm_func_new(store, type, note);
  wasm_functype_delete(type);
  imports.data[3] = wasm_func_as_extern(host);

  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  imports.data[3] = NULL;
  wasm_extern_vec_delete(&imports);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  fflush(stdout);
  wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[1]), &none, &none);
  int status = -1;
  bool exited = waot_trap_exit_status(trap, &status);
  printf("exited: %d, status %d\n", exited, status);
  wasm_trap_delete(trap);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(host);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
