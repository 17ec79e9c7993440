/* signed.c — waot_config_require_signature: an engine that requires a
 * key opens artifacts signed with it and refuses others, as waot-run
 * --require-signature does (signed.sh signs the guest). */
#include <stdio.h>

#include "util.h"



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
