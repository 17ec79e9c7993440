/* api.c — the parts of wasm.h the wasm-c-api examples leave out, and the
 * errors of misuse: each line printed is checked against api.expected,
 * and AddressSanitizer checks that every object is freed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int finalized = 0;
static void finalize(void* data) { finalized += (int)(intptr_t)data; }


static void print_trap(const char* what, wasm_trap_t* trap) {
  if (!trap) {
    printf("%s: no trap\n", what);
    return;
  }
  wasm_message_t message;
  wasm_trap_message(trap, &message);
  wasm_frame_t* origin = wasm_trap_origin(trap);
  printf("%s: trap \"%s\"", what, message.data);
  if (origin) {
    printf(" in function %" PRIu32 " at module offset %zu", wasm_frame_func_index(origin),
           wasm_frame_module_offset(origin));
    wasm_frame_delete(origin);
  }
  printf("\n");
  wasm_name_delete(&message);
  wasm_trap_delete(trap);
}

static wasm_store_t* the_store;

static wasm_trap_t* twice(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  int* calls = env;
  if (++*calls == 1) {
    /* A store's limits cannot change under its running wasm. */
    printf("limits set from a host function: %d\n", waot_store_limit(the_store, 65536, 0));
    print_error("limits in a call");
  }
  if (args->data[0].of.i32 < 0) {
    wasm_message_t message;
    wasm_name_new_from_string_nt(&message, "negative input");
    wasm_trap_t* trap = wasm_trap_new(NULL, &message);
    wasm_name_delete(&message);
    return trap;
  }
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 2;
  return NULL;
}


static wasm_extern_t* export_named(const wasm_module_t* module, wasm_extern_vec_t* exports,
                                   const char* name) {
  wasm_exporttype_vec_t types;
  wasm_module_exports(module, &types);
  wasm_extern_t* found = NULL;
  for (size_t i = 0; i < types.size; ++i) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0) found = exports->data[i];
  }
  wasm_exporttype_vec_delete(&types);
  return found;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  the_store = store;

  /* A WebAssembly binary is not an artifact: refused with the command. */
  static const char wasm_bytes[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  wasm_byte_vec_t plain;
  wasm_byte_vec_new(&plain, sizeof wasm_bytes, wasm_bytes);
  printf("plain wasm accepted: %d\n", wasm_module_new(store, &plain) != NULL);
  print_error("plain wasm");
  printf("plain wasm valid: %d\n", wasm_module_validate(store, &plain));
  wasm_byte_vec_delete(&plain);

  /* A damaged artifact: a precise diagnostic, no crash. */
  wasm_byte_vec_t binary = read_file("api.wasm");
  wasm_byte_vec_t damaged;
  wasm_byte_vec_copy(&damaged, &binary);
  damaged.data[70] ^= 0x55;
  printf("damaged accepted: %d\n", wasm_module_new(store, &damaged) != NULL);
  print_error("damaged");
  wasm_byte_vec_delete(&damaged);

  wasm_module_t* module = wasm_module_new(store, &binary);
  printf("module: %d, valid: %d\n", module != NULL, wasm_module_validate(store, &binary));
  wasm_byte_vec_delete(&binary);

  /* Imports and exports, with their types. */
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  for (size_t i = 0; i < imports.size; ++i) {
    const wasm_name_t* m = wasm_importtype_module(imports.data[i]);
    const wasm_name_t* n = wasm_importtype_name(imports.data[i]);
    printf("import %.*s.%.*s kind %d\n", (int)m->size, m->data, (int)n->size, n->data,
           wasm_externtype_kind(wasm_importtype_type(imports.data[i])));
  }
  wasm_importtype_vec_delete(&imports);

  /* Host items: a function with an environment and finalizer, a global. */
  int calls = 0;
  wasm_functype_t* type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* host = wasm_func_new_with_env(store, type, twice, &calls, NULL);
  wasm_functype_delete(type);
  wasm_globaltype_t* limit_type = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  wasm_val_t limit_value = WASM_I32_VAL(1000);
  wasm_global_t* limit = wasm_global_new(store, limit_type, &limit_value);
  wasm_globaltype_delete(limit_type);

  /* Missing and mistyped imports. */
  wasm_extern_t* too_few[1] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t few = WASM_ARRAY_VEC(too_few);
  wasm_trap_t* trap = NULL;
  printf("too few imports: %d\n", wasm_instance_new(store, module, &few, &trap) != NULL);
  print_trap("too few imports", trap);
  wasm_extern_t* swapped[2] = {wasm_global_as_extern(limit), wasm_func_as_extern(host)};
  wasm_extern_vec_t wrong = WASM_ARRAY_VEC(swapped);
  trap = NULL;
  printf("swapped imports: %d\n", wasm_instance_new(store, module, &wrong, &trap) != NULL);
  print_trap("swapped imports", trap);

  wasm_extern_t* given[2] = {wasm_func_as_extern(host), wasm_global_as_extern(limit)};
  wasm_extern_vec_t good = WASM_ARRAY_VEC(given);
  wasm_instance_t* instance = wasm_instance_new(store, module, &good, NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  printf("exports: %zu\n", exports.size);

  /* Calls: results, a host trap, a wasm trap, wrong arguments. */
  const wasm_func_t* inc = wasm_extern_as_func(export_named(module, &exports, "inc"));
  wasm_val_t a[1] = {WASM_I32_VAL(21)};
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(a), results = WASM_ARRAY_VEC(r);
  print_trap("inc(21)", wasm_func_call(inc, &args, &results));
  printf("inc(21) = %d, host calls %d\n", r[0].of.i32, calls);
  a[0].of.i32 = -1;
  print_trap("inc(-1)", wasm_func_call(inc, &args, &results));
  const wasm_func_t* div = wasm_extern_as_func(export_named(module, &exports, "div"));
  wasm_val_t d[2] = {WASM_I32_VAL(7), WASM_I32_VAL(0)};
  wasm_val_vec_t dargs = WASM_ARRAY_VEC(d);
  print_trap("div(7, 0)", wasm_func_call(div, &dargs, &results));
  wasm_val_t bad[2] = {WASM_I64_VAL(7), WASM_I32_VAL(1)};
  wasm_val_vec_t bad_args = WASM_ARRAY_VEC(bad);
  print_trap("div(i64, i32)", wasm_func_call(div, &bad_args, &results));
  const wasm_func_t* mix = wasm_extern_as_func(export_named(module, &exports, "mix"));
  wasm_val_t m[3] = {WASM_I64_VAL(-9), WASM_F32_VAL(1.5f), WASM_F64_VAL(0.25)};
  wasm_val_t mr[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
  wasm_val_vec_t margs = WASM_ARRAY_VEC(m), mresults = WASM_ARRAY_VEC(mr);
  print_trap("mix", wasm_func_call(mix, &margs, &mresults));
  printf("mix = %g, %" PRId64 " (kinds %d, %d)\n", mr[0].of.f64, mr[1].of.i64, mr[0].kind, mr[1].kind);
  printf("arity of mix: %zu -> %zu\n", wasm_func_param_arity(mix), wasm_func_result_arity(mix));

  /* Globals: the count wasm keeps, an immutable one refused. */
  wasm_global_t* count = wasm_extern_as_global(export_named(module, &exports, "count"));
  wasm_val_t v;
  wasm_global_get(count, &v);
  printf("count = %d\n", v.of.i32);
  wasm_val_t hundred = WASM_I32_VAL(100);
  wasm_global_set(count, &hundred);
  wasm_global_get(count, &v);
  printf("count after set = %d\n", v.of.i32);
  wasm_global_t* fixed = wasm_extern_as_global(export_named(module, &exports, "fixed"));
  wasm_val_t six = WASM_I64_VAL(6);
  wasm_global_set(fixed, &six);
  print_error("set fixed");
  wasm_global_get(fixed, &v);
  printf("fixed = %" PRId64 "\n", v.of.i64);

  /* Memory: the data segment, growth up to the maximum. */
  wasm_memory_t* memory = wasm_extern_as_memory(export_named(module, &exports, "memory"));
  printf("memory: %.4s, %u page(s), %zu bytes\n", wasm_memory_data(memory) + 16,
         wasm_memory_size(memory), wasm_memory_data_size(memory));
  bool grew = wasm_memory_grow(memory, 2);
  bool grew_more = wasm_memory_grow(memory, 1);
  printf("grow 2: %d, grow 1 more: %d, pages %u\n", grew, grew_more, wasm_memory_size(memory));
  print_error("grow");

  /* Tables: a function reference read, copied and called indirectly. */
  wasm_table_t* table = wasm_extern_as_table(export_named(module, &exports, "table"));
  wasm_ref_t* slot0 = wasm_table_get(table, 0);
  printf("slot 0 is inc: %d\n", wasm_func_same(wasm_ref_as_func(slot0), inc));
  bool set1 = wasm_table_set(table, 1, slot0);
  bool set2 = wasm_table_set(table, 2, slot0);
  printf("set slot 1: %d, set slot 2: %d\n", set1, set2);
  wasm_ref_delete(slot0);
  const wasm_func_t* indirect = wasm_extern_as_func(export_named(module, &exports, "indirect"));
  wasm_val_t ia[2] = {WASM_I32_VAL(1), WASM_I32_VAL(5)};
  wasm_val_vec_t iargs = WASM_ARRAY_VEC(ia);
  print_trap("indirect(1, 5)", wasm_func_call(indirect, &iargs, &results));
  printf("indirect(1, 5) = %d\n", r[0].of.i32);
  bool table_grew = wasm_table_grow(table, 2, NULL);
  bool table_grew_more = wasm_table_grow(table, 1, NULL);
  printf("grow table 2: %d, 1 more: %d, size %u\n", table_grew, table_grew_more,
         wasm_table_size(table));
  wasm_ref_t* empty = wasm_table_get(table, 3);
  printf("slot 3 null: %d, slot 9: %p\n", empty == NULL, (void*)wasm_table_get(table, 9));

  /* Foreign objects: through wasm and back, host info finalized with the
   * store. */
  wasm_foreign_t* foreign = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(foreign, (void*)(intptr_t)40, finalize);
  const wasm_func_t* keep = wasm_extern_as_func(export_named(module, &exports, "keep"));
  const wasm_func_t* fetch = wasm_extern_as_func(export_named(module, &exports, "fetch"));
  wasm_val_t ka[2] = {WASM_I32_VAL(1), WASM_REF_VAL(wasm_foreign_as_ref(foreign))};
  wasm_val_vec_t kargs = WASM_ARRAY_VEC(ka), none = WASM_EMPTY_VEC;
  print_trap("keep", wasm_func_call(keep, &kargs, &none));
  wasm_val_t fa[1] = {WASM_I32_VAL(1)};
  wasm_val_vec_t fargs = WASM_ARRAY_VEC(fa);
  print_trap("fetch", wasm_func_call(fetch, &fargs, &results));
  printf("fetched the same foreign: %d, host info %d\n",
         wasm_ref_same(r[0].of.ref, wasm_foreign_as_ref(foreign)),
         (int)(intptr_t)wasm_ref_get_host_info(r[0].of.ref));
  wasm_val_delete(&r[0]);
  wasm_ref_t* as_ref = wasm_foreign_as_ref(foreign);
  printf("a foreign is no function: %p\n", (void*)wasm_ref_as_func(as_ref));

  /* A reference of another store is refused, not taken for this store's. */
  wasm_store_t* other = wasm_store_new(engine);
  wasm_foreign_t* stranger = wasm_foreign_new(other);
  wasm_val_t sa[2] = {WASM_I32_VAL(0), WASM_REF_VAL(wasm_foreign_as_ref(stranger))};
  wasm_val_vec_t sargs = WASM_ARRAY_VEC(sa);
  print_trap("keep(another store's foreign)", wasm_func_call(keep, &sargs, &none));
  wasm_foreign_delete(stranger);
  wasm_store_delete(other);

  /* A function that could not be made leaves its environment alone. */
  wasm_globaltype_t* not_a_function = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  int before = finalized;
  /* (all types are one object here, so the wrong kind can be passed) */
  wasm_func_t* nothing = wasm_func_new_with_env(store, (const wasm_functype_t*)not_a_function, twice,
                                                (void*)(intptr_t)1000, finalize);
  printf("a function of a global type: %p, finalized %d\n", (void*)nothing, finalized - before);
  print_error("function of a global type");
  wasm_globaltype_delete(not_a_function);
  wasm_foreign_delete(foreign);

  /* Host info on an instance and a module; shared modules. */
  wasm_instance_set_host_info_with_finalizer(instance, (void*)(intptr_t)2, finalize);
  wasm_module_set_host_info_with_finalizer(module, (void*)(intptr_t)100, finalize);
  wasm_shared_module_t* shared = wasm_module_share(module);
  wasm_module_t* obtained = wasm_module_obtain(store, shared);
  wasm_shared_module_delete(shared);
  wasm_exporttype_vec_t export_types;
  wasm_module_exports(obtained, &export_types);
  printf("obtained module exports: %zu\n", export_types.size);
  wasm_exporttype_vec_delete(&export_types);
  wasm_module_delete(obtained);
  wasm_module_delete(module);
  printf("finalized before the store: %d\n", finalized);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(host);
  wasm_global_delete(limit);
  wasm_store_delete(store);
  printf("finalized after the store: %d\n", finalized);
  wasm_engine_delete(engine);
  return 0;
}
