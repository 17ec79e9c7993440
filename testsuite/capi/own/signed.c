/* signed.c — waot_config_require_signature: an engine that requires a
 * key opens artifacts signed with it and refuses others, as waot-run
 * --require-signature does (signed.sh signs the guest). */
#include <stdio.h>

#include "waot.h"

static void print_error(const char* what) {
  wasm_name_t message, hint;
  if (waot_error_message(&message, &hint)) {
    printf("%s: error: %s\n", what, message.data);
    if (hint.size > 1) printf("%s: hint: %s\n", what, hint.data);
    wasm_name_delete(&message);
    wasm_name_delete(&hint);
  }
}

static wasm_byte_vec_t read_file(const char* path) {
  wasm_byte_vec_t bytes;
  FILE* file = fopen(path, "rb");
  fseek(file, 0L, SEEK_END);
  size_t size = ftell(file);
  fseek(file, 0L, SEEK_SET);
  wasm_byte_vec_new_uninitialized(&bytes, size);
  if (fread(bytes.data, size, 1, file) != 1) bytes.size = 0;
  fclose(file);
  return bytes;
}

int main(void) {
  wasm_config_t* missing = wasm_config_new();
  printf("a missing key accepted: %d\n", waot_config_require_signature(missing, "no-such-key.pub"));
  print_error("missing key");
  wasm_config_delete(missing);

  wasm_config_t* config = wasm_config_new();
  printf("key: %d\n", waot_config_require_signature(config, "signed-key.pub"));
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  const char* files[] = {"signed.wasm", "unsigned.wasm", "other-key.wasm"};
  for (int i = 0; i < 3; ++i) {
    wasm_byte_vec_t bytes = read_file(files[i]);
    wasm_module_t* module = wasm_module_new(store, &bytes);
    printf("%s opens: %d\n", files[i], module != NULL);
    if (!module) print_error(files[i]);
    wasm_module_delete(module);
    wasm_byte_vec_delete(&bytes);
  }
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
