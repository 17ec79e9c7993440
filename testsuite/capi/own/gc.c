/* gc.c — GC references through the C API: a struct made by wasm comes
 * back as a WAOT_ANYREF value, goes back in, and survives collections in
 * a host function's hands; each line printed is checked against
 * gc.expected, and AddressSanitizer checks that every object is freed. */
#include <stdio.h>
#include <string.h>

#include "util.h"

static int kept = 0;

static wasm_trap_t* keep(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)env;
  ++kept;
  printf("host got kind %d, %s\n", args->data[0].kind, args->data[0].of.ref ? "non-null" : "null");
  results->data[0].kind = args->data[0].kind;
  results->data[0].of.ref = args->data[0].of.ref ? wasm_ref_copy(args->data[0].of.ref) : NULL;
  return NULL;
}

static const wasm_func_t* export_named(const wasm_module_t* module, wasm_extern_vec_t* exports,
                                       const char* name) {
  wasm_exporttype_vec_t types;
  wasm_module_exports(module, &types);
  const wasm_func_t* found = NULL;
  for (size_t i = 0; i < types.size; ++i) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0) {
      found = wasm_extern_as_func(exports->data[i]);
    }
  }
  wasm_exporttype_vec_delete(&types);
  return found;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary = read_file("gc.wasm");
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  if (!module) {
    print_error("module");
    return 1;
  }
  wasm_valtype_t* any_param = wasm_valtype_new(WAOT_ANYREF);
  wasm_valtype_t* any_result = wasm_valtype_new(WAOT_ANYREF);
  wasm_functype_t* type = wasm_functype_new_1_1(any_param, any_result);
  wasm_func_t* host = wasm_func_new_with_env(store, type, keep, NULL, NULL);
  wasm_functype_delete(type);
  wasm_extern_t* given[1] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(given);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  if (!instance) {
    print_error("instance");
    return 1;
  }
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);

  const wasm_func_t* make = export_named(module, &exports, "make");
  const wasm_func_t* value = export_named(module, &exports, "value");
  const wasm_func_t* through = export_named(module, &exports, "through-host");

  wasm_val_t a[1] = {WASM_I32_VAL(42)};
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(a), results = WASM_ARRAY_VEC(r);
  wasm_trap_t* trap = wasm_func_call(make, &args, &results);
  printf("make: trap %d, kind %d, %s\n", trap != NULL, r[0].kind, r[0].of.ref ? "non-null" : "null");

  /* The struct goes back in. */
  wasm_val_t b[1] = {r[0]};
  wasm_val_t v[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args2 = WASM_ARRAY_VEC(b), results2 = WASM_ARRAY_VEC(v);
  trap = wasm_func_call(value, &args2, &results2);
  printf("value of the struct: trap %d, %d\n", trap != NULL, v[0].of.i32);
  wasm_ref_delete(r[0].of.ref);

  /* Null goes in as null. */
  wasm_val_t n[1] = {{.kind = WAOT_ANYREF, .of = {.ref = NULL}}};
  wasm_val_vec_t args3 = WASM_ARRAY_VEC(n);
  trap = wasm_func_call(value, &args3, &results2);
  if (trap) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    printf("value of null: trap \"%s\"\n", message.data);
    wasm_name_delete(&message);
    wasm_trap_delete(trap);
  }

  /* 4 MiB of garbage while the host holds the struct. */
  wasm_val_t c[1] = {WASM_I32_VAL(7)};
  wasm_val_vec_t args4 = WASM_ARRAY_VEC(c);
  trap = wasm_func_call(through, &args4, &results2);
  printf("through the host: trap %d, %d (host calls %d)\n", trap != NULL, v[0].of.i32, kept);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(host);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
