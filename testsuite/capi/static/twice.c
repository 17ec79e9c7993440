/* twice.c — one linked module opened by two stores (as a host with a
 * store per thread does): after the first store and its module are gone,
 * the second's code must still trap, not crash. */
#include <stdio.h>

#include "waot.h"

extern const waot_static_module_t twice;

static void call_oob(wasm_store_t* store, wasm_module_t* module, const char* what) {
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t none = WASM_EMPTY_VEC, results = WASM_ARRAY_VEC(r);
  wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[0]), &none, &results);
  wasm_message_t message;
  if (trap) {
    wasm_trap_message(trap, &message);
    printf("%s: trap \"%s\"\n", what, message.data);
    wasm_name_delete(&message);
    wasm_trap_delete(trap);
  } else {
    printf("%s: no trap\n", what);
  }
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* first = wasm_store_new(engine);
  wasm_store_t* second = wasm_store_new(engine);
  wasm_module_t* one = waot_module_new_static(first, &twice);
  wasm_module_t* two = waot_module_new_static(second, &twice);
  call_oob(first, one, "first store");
  wasm_module_delete(one);
  wasm_store_delete(first);
  call_oob(second, two, "second store, the first gone");
  wasm_module_delete(two);
  wasm_store_delete(second);
  wasm_engine_delete(engine);
  return 0;
}
