# Prepares signed.c's guests in its work directory: the module signed with
# signed-key, unsigned, and signed with another key.
rm -f signed-key.key signed-key.pub other-key.key other-key.pub
"$WAOT" keygen -o signed-key > /dev/null
"$WAOT" keygen -o other-key > /dev/null
"$WAOT" compile -q --sign signed-key.key "$SRC/signed.wat" -o signed.wasm
"$WAOT" compile -q "$SRC/signed.wat" -o unsigned.wasm
"$WAOT" compile -q --sign other-key.key "$SRC/signed.wat" -o other-key.wasm
