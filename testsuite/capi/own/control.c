/* control.c — what waot.h adds for a host that must keep control: fuel,
 * epoch deadlines, resource limits, and natives by WAMR-style signature
 * strings with their pointer checks. The guest is compiled with --fuel
 * and --epoch-interruption (control.flags). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"


static void print_trap(const char* what, wasm_trap_t* trap) {
  if (!trap) {
    printf("%s: returned\n", what);
    return;
  }
  wasm_message_t message;
  wasm_trap_message(trap, &message);
  printf("%s: trap \"%s\"\n", what, message.data);
  wasm_name_delete(&message);
  wasm_trap_delete(trap);
}

/* fill(ptr, len, byte): sets len bytes, returns len. */
static int32_t fill(uint8_t* p, int32_t len, int32_t byte) {
  memset(p, byte, (size_t)len);
  return len;
}

static void greet(const char* name) { printf("native: hello, %s\n", name); }


static const wasm_func_t* func(wasm_extern_vec_t* exports, size_t i) {
  return wasm_extern_as_func(exports->data[i]);
}

int main(void) {
  wasm_config_t* config = wasm_config_new();
  waot_config_consume_fuel(config, true);
  waot_config_epoch_interruption(config, true);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary = read_file("control.wasm");
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  printf("module: %d\n", module != NULL);

  /* Natives: a bad signature is refused; the rest fill their slots. */
  static const waot_native_symbol bad[] = {{"env", "fill", "(*~i", (void*)fill}};
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  printf("bad signature accepted: %d\n", waot_native_imports(store, module, bad, 1, &imports));
  print_error("bad signature");
  static const waot_native_symbol natives[] = {
      {"env", "fill", "(*~i)i", (void*)fill},
      {"env", "greet", "($)", (void*)greet},
  };
  wasm_extern_vec_new_empty(&imports);
  printf("natives: %d\n", waot_native_imports(store, module, natives, 2, &imports));

  /* Limits: memories up to 2 pages, tables up to 3 elements. */
  waot_store_limit(store, 2 * 65536, 3);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  wasm_extern_vec_delete(&imports);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  /* exports: memory, table, spin, count, grow, grow_table, fill, greet, peek */

  wasm_val_t a[3], r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args, results = WASM_ARRAY_VEC(r), none = WASM_EMPTY_VEC;

  a[0] = (wasm_val_t)WASM_I32_VAL(1);
  args = (wasm_val_vec_t){1, a};
  printf("fuel before any is set: %d\n", waot_store_set_fuel(store, 1000000));
  print_trap("grow 1", wasm_func_call(func(&exports, 4), &args, &results));
  printf("grow 1 -> %d\n", r[0].of.i32);
  print_trap("grow 1 more", wasm_func_call(func(&exports, 4), &args, &results));
  printf("grow 1 more -> %d (the limit is 2 pages)\n", r[0].of.i32);
  a[0].of.i32 = 2;
  print_trap("grow table 2", wasm_func_call(func(&exports, 5), &args, &results));
  printf("grow table 2 -> %d\n", r[0].of.i32);
  print_trap("grow table 2 more", wasm_func_call(func(&exports, 5), &args, &results));
  printf("grow table 2 more -> %d (the limit is 3 elements)\n", r[0].of.i32);

  /* Natives: a checked pointer, a string, and a pointer past the memory. */
  a[0] = (wasm_val_t)WASM_I32_VAL(100);
  a[1] = (wasm_val_t)WASM_I32_VAL(4);
  a[2] = (wasm_val_t)WASM_I32_VAL('z');
  args = (wasm_val_vec_t){3, a};
  print_trap("fill(100, 4)", wasm_func_call(func(&exports, 6), &args, &results));
  wasm_val_t p[1] = {WASM_I32_VAL(103)};
  wasm_val_vec_t pargs = WASM_ARRAY_VEC(p);
  print_trap("peek(103)", wasm_func_call(func(&exports, 8), &pargs, &results));
  printf("peek(103) = '%c'\n", r[0].of.i32);
  a[0].of.i32 = 2 * 65536 - 2;
  print_trap("fill past the end", wasm_func_call(func(&exports, 6), &args, &results));
  fflush(stdout);
  print_trap("greet", wasm_func_call(func(&exports, 7), &none, &none));

  /* Fuel: a bounded loop, then one that runs out. */
  uint64_t fuel = 0;
  waot_store_set_fuel(store, 10000);
  a[0] = (wasm_val_t)WASM_I32_VAL(100);
  args = (wasm_val_vec_t){1, a};
  print_trap("count(100)", wasm_func_call(func(&exports, 3), &args, &results));
  printf("fuel left: %d\n", waot_store_get_fuel(store, &fuel) && fuel < 10000 && fuel > 5000);
  print_trap("spin with 10000 fuel", wasm_func_call(func(&exports, 2), &none, &none));

  /* Epoch deadline: one tick away, and the engine's epoch moves on. */
  waot_store_set_fuel(store, UINT64_MAX / 2);
  waot_store_set_epoch_deadline(store, 1);
  waot_engine_increment_epoch(engine);
  print_trap("spin past the deadline", wasm_func_call(func(&exports, 2), &none, &none));

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);

  /* Fuel in an engine that does not count it. */
  wasm_engine_t* plain = wasm_engine_new();
  wasm_store_t* plain_store = wasm_store_new(plain);
  printf("fuel in a plain engine: %d\n", waot_store_set_fuel(plain_store, 5));
  print_error("plain fuel");
  wasm_store_delete(plain_store);
  wasm_engine_delete(plain);
  wasm_engine_delete(engine);
  return 0;
}
