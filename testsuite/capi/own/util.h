/* util.h — what our C API tests share: printing the last error and
 * reading a guest file. */
#ifndef WAOT_TEST_UTIL_H
#define WAOT_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "waot.h"

/* Prints this thread's last error (message and hint) after `what`. */
static void print_error(const char* what) {
  wasm_name_t message, hint;
  if (waot_error_message(&message, &hint)) {
    printf("%s: error: %s\n", what, message.data);
    if (hint.size > 1) printf("%s: hint: %s\n", what, hint.data);
    wasm_name_delete(&message);
    wasm_name_delete(&hint);
  } else {
    printf("%s: no error recorded\n", what);
  }
}

/* The bytes of the file at `path` (exits when it cannot be read). */
static wasm_byte_vec_t read_file(const char* path) {
  wasm_byte_vec_t bytes;
  FILE* file = fopen(path, "rb");
  if (!file) {
    printf("cannot open %s\n", path);
    exit(1);
  }
  fseek(file, 0L, SEEK_END);
  size_t size = (size_t)ftell(file);
  fseek(file, 0L, SEEK_SET);
  wasm_byte_vec_new_uninitialized(&bytes, size);
  if (size > 0 && fread(bytes.data, size, 1, file) != 1) {
    printf("cannot read %s\n", path);
    exit(1);
  }
  fclose(file);
  return bytes;
}

#endif
