//! The wasm feature bits an artifact records (`wasm_features` in the
//! build record), their names, and what a waot-run of this format version
//! runs: one entry per proposal, shared by compiler and loader.

/// Mutable globals import/export.
pub const MUTABLE_GLOBAL: u64 = 1 << 0;
/// Sign-extension operators.
pub const SIGN_EXTENSION: u64 = 1 << 1;
/// Non-trapping float-to-int conversions.
pub const SATURATING_FLOAT_TO_INT: u64 = 1 << 2;
/// Multi-value blocks and functions.
pub const MULTI_VALUE: u64 = 1 << 3;
/// Bulk memory operations.
pub const BULK_MEMORY: u64 = 1 << 4;
/// Reference types.
pub const REFERENCE_TYPES: u64 = 1 << 5;
/// Fixed-width SIMD.
pub const SIMD: u64 = 1 << 6;
/// Exception handling (Wasm 3.0, `exnref`): tags, `throw`,
/// `throw_ref`, `try_table`.
pub const EXCEPTIONS: u64 = 1 << 7;
/// Tail calls (Wasm 3.0): `return_call`, `return_call_indirect`.
pub const TAIL_CALL: u64 = 1 << 8;
/// Threads (Wasm 3.0): atomic instructions, shared memories.
pub const THREADS: u64 = 1 << 9;
/// Extended constant expressions (Wasm 3.0).
pub const EXTENDED_CONST: u64 = 1 << 10;
/// Typed function references (Wasm 3.0): typed and non-nullable
/// references, `call_ref`, table initialisers.
pub const FUNCTION_REFERENCES: u64 = 1 << 14;
/// Relaxed SIMD (Wasm 3.0), compiled with the one fixed set of choices
/// SPEC.md lists (§ Relaxed SIMD); another choice set gets another bit.
pub const RELAXED_SIMD: u64 = 1 << 11;
/// Multi-memory (Wasm 3.0): more than one memory.
pub const MULTI_MEMORY: u64 = 1 << 12;
/// memory64 (Wasm 3.0): a 64-bit indexed memory or table.
pub const MEMORY64: u64 = 1 << 13;
/// The legacy exception encoding (`try`, `catch`, `catch_all`,
/// `rethrow`, `delegate`), which LLVM and Emscripten still emit.
pub const LEGACY_EXCEPTIONS: u64 = 1 << 15;
/// Garbage collection (format 2.15): recursion groups, declared
/// subtypes, struct and array types.
pub const GC: u64 = 1 << 16;
/// All of Wasm 2.0 without SIMD.
pub const WASM2_NO_SIMD: u64 = MUTABLE_GLOBAL
    | SIGN_EXTENSION
    | SATURATING_FLOAT_TO_INT
    | MULTI_VALUE
    | BULK_MEMORY
    | REFERENCE_TYPES;
/// Names of the bits, for diagnostics and `--wasm-features`; a bit
/// named here is one every waot-run of this format version runs
/// ([`KNOWN`]), so a bit gets its name when compiler and loader both
/// implement it.
pub const NAMES: [(u64, &str); 17] = [
    (MUTABLE_GLOBAL, "mutable-global"),
    (SIGN_EXTENSION, "sign-extension"),
    (SATURATING_FLOAT_TO_INT, "saturating-float-to-int"),
    (MULTI_VALUE, "multi-value"),
    (BULK_MEMORY, "bulk-memory"),
    (REFERENCE_TYPES, "reference-types"),
    (SIMD, "simd"),
    (EXCEPTIONS, "exceptions"),
    (TAIL_CALL, "tail-call"),
    (THREADS, "threads"),
    (EXTENDED_CONST, "extended-const"),
    (RELAXED_SIMD, "relaxed-simd"),
    (MULTI_MEMORY, "multi-memory"),
    (MEMORY64, "memory64"),
    (FUNCTION_REFERENCES, "function-references"),
    (LEGACY_EXCEPTIONS, "legacy-exceptions"),
    (GC, "gc"),
];

/// Every bit [`NAMES`] names: what a waot-run of this format version
/// runs.
pub const KNOWN: u64 = {
    let mut all = 0;
    let mut i = 0;
    while i < NAMES.len() {
        all |= NAMES[i].0;
        i += 1;
    }
    all
};

/// The name of a single feature bit, or `"feature bit"` when it has
/// none.
pub const fn name(bit: u64) -> &'static str {
    let mut i = 0;
    while i < NAMES.len() {
        if NAMES[i].0 == bit {
            return NAMES[i].1;
        }
        i += 1;
    }
    "feature bit"
}

/// Formats a feature set as a comma-separated list of names; a bit
/// without a name is `feature bit N` (an artifact from a newer waot).
pub fn describe(bits: u64) -> String {
    let known = NAMES.iter().fold(0, |acc, (bit, _)| acc | bit);
    let names: Vec<String> = NAMES
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, n)| n.to_string())
        .chain(
            (0..64)
                .filter(|i| bits & !known & (1u64 << i) != 0)
                .map(|i| format!("feature bit {i}")),
        )
        .collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(",")
    }
}
