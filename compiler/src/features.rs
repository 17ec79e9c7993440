//! Which wasm proposals waot compiles, and for a module that uses one it
//! does not: which proposal, and where it is first used.
//!
//! A module is validated against what waot compiles (Wasm 2.0 and the
//! Wasm 3.0 proposals in [`SUPPORTED`]). When that fails but the module is valid with every feature
//! wasmparser knows, it is not broken: it uses a proposal waot does not
//! compile yet, and is refused with `unsupported: <proposal> (first use at
//! byte offset 0x…)`. The proposal is found by validating once more without
//! each one; the offset where that fails is its first use.

use crate::error::{CompileError, Result};
use waot_format::types::wasm_features;
use wasmparser::{Validator, WasmFeatures};

/// A proposal waot compiles beyond Wasm 2.0: the artifact's feature bit
/// that records a module's use of it (whose name, in
/// [`waot_format::types::wasm_features::NAMES`], is the proposal's name in
/// `--wasm-features` and in diagnostics) and the wasmparser features that
/// gate it. Compiling a new proposal takes its bit and name in
/// `waot_format`, an entry here, and its translator recording the bit.
#[derive(Clone, Copy, Debug)]
pub struct Compiled {
    /// The artifact's feature bit.
    pub bit: u64,
    /// The wasmparser features that gate it (turning SIMD off turns relaxed
    /// SIMD off too, as it builds on it).
    pub flags: WasmFeatures,
}

/// Every proposal waot compiles beyond Wasm 2.0.
pub const COMPILED: [Compiled; 11] = [
    Compiled {
        bit: wasm_features::SIMD,
        flags: WasmFeatures::SIMD.union(WasmFeatures::RELAXED_SIMD),
    },
    Compiled {
        bit: wasm_features::RELAXED_SIMD,
        flags: WasmFeatures::RELAXED_SIMD,
    },
    Compiled {
        bit: wasm_features::EXCEPTIONS,
        flags: WasmFeatures::EXCEPTIONS,
    },
    Compiled {
        bit: wasm_features::TAIL_CALL,
        flags: WasmFeatures::TAIL_CALL,
    },
    Compiled {
        bit: wasm_features::THREADS,
        flags: WasmFeatures::THREADS,
    },
    Compiled {
        bit: wasm_features::EXTENDED_CONST,
        flags: WasmFeatures::EXTENDED_CONST,
    },
    Compiled {
        bit: wasm_features::MULTI_MEMORY,
        flags: WasmFeatures::MULTI_MEMORY,
    },
    Compiled {
        bit: wasm_features::MEMORY64,
        flags: WasmFeatures::MEMORY64,
    },
    Compiled {
        bit: wasm_features::FUNCTION_REFERENCES,
        flags: WasmFeatures::FUNCTION_REFERENCES,
    },
    Compiled {
        bit: wasm_features::LEGACY_EXCEPTIONS,
        flags: WasmFeatures::LEGACY_EXCEPTIONS,
    },
    // GC: types, references, structs and arrays (custom descriptors,
    // a later proposal, stay refused by that name).
    Compiled {
        bit: wasm_features::GC,
        flags: WasmFeatures::GC,
    },
];

/// The features waot compiles: all of Wasm 2.0 and every proposal of
/// [`COMPILED`].
pub const SUPPORTED: WasmFeatures = {
    let mut all = WasmFeatures::WASM2;
    let mut i = 0;
    while i < COMPILED.len() {
        all = all.union(COMPILED[i].flags);
        i += 1;
    }
    all
};

/// The proposals of [`COMPILED`] by name, which `waot compile
/// --wasm-features` can turn off (as Wasmtime's `-W simd=n` does), for
/// artifacts that must not use them.
pub const OPTIONAL: [(&str, WasmFeatures); COMPILED.len()] = {
    let mut out = [("", WasmFeatures::empty()); COMPILED.len()];
    let mut i = 0;
    while i < COMPILED.len() {
        out[i] = (wasm_features::name(COMPILED[i].bit), COMPILED[i].flags);
        i += 1;
    }
    out
};

/// A proposal wasmparser can validate and waot does not compile.
struct Proposal {
    /// Its name in `unsupported:` messages.
    name: &'static str,
    /// The wasmparser features that gate it.
    flags: WasmFeatures,
    /// Proposals this one builds on: when both are used, this one is named
    /// (a stack-switching module always uses gc types too).
    extends: &'static [&'static str],
}

/// Every proposal wasmparser 0.263 knows beyond [`SUPPORTED`], most
/// specific first where two are first used at the same offset.
const PROPOSALS: &[Proposal] = &[
    Proposal {
        name: "acquire-release-atomics",
        flags: WasmFeatures::ACQUIRE_RELEASE_ATOMICS,
        extends: &[],
    },
    Proposal {
        name: "shared-everything-threads",
        flags: WasmFeatures::SHARED_EVERYTHING_THREADS,
        extends: &[],
    },
    Proposal {
        name: "stack-switching",
        flags: WasmFeatures::STACK_SWITCHING,
        extends: &[],
    },
    Proposal {
        name: "custom-descriptors",
        flags: WasmFeatures::CUSTOM_DESCRIPTORS,
        extends: &[],
    },
    Proposal {
        name: "multibyte-array-access",
        flags: WasmFeatures::MULTIBYTE_ARRAY_ACCESS,
        extends: &[],
    },
    Proposal {
        name: "custom-page-sizes",
        flags: WasmFeatures::CUSTOM_PAGE_SIZES,
        extends: &[],
    },
    Proposal {
        name: "wide-arithmetic",
        flags: WasmFeatures::WIDE_ARITHMETIC,
        extends: &[],
    },
    Proposal {
        name: "memory-control",
        flags: WasmFeatures::MEMORY_CONTROL,
        extends: &[],
    },
    Proposal {
        name: "compact-imports",
        flags: WasmFeatures::COMPACT_IMPORTS,
        extends: &[],
    },
    Proposal {
        name: "component-model",
        flags: COMPONENT_MODEL,
        extends: &[],
    },
];

/// Proposals that give a meaning to encodings the features waot compiles
/// call invalid or malformed: a second memory or a memory index byte
/// (multi-memory), a limit wider than 32 bits (memory64), a mutability
/// byte above 1 (shared globals), a tag with results (stack switching).
/// The test suites assert such modules invalid; waot refuses them as uses
/// of the proposal, which they are.
pub const EXTEND_WASM2_ENCODINGS: [&str; 4] = [
    "multi-memory",
    "memory64",
    "shared-everything-threads",
    "stack-switching",
];

/// The names of every proposal waot refuses, as `unsupported:` says them.
pub fn unsupported_proposal_names() -> impl Iterator<Item = &'static str> {
    PROPOSALS.iter().map(|p| p.name)
}

/// The component model and all its sub-features: a component is refused
/// as one, whichever of them it uses.
const COMPONENT_MODEL: WasmFeatures = WasmFeatures::COMPONENT_MODEL
    .union(WasmFeatures::CM_VALUES)
    .union(WasmFeatures::CM_NESTED_NAMES)
    .union(WasmFeatures::CM_ASYNC)
    .union(WasmFeatures::CM_ASYNC_STACKFUL)
    .union(WasmFeatures::CM_MORE_ASYNC_BUILTINS)
    .union(WasmFeatures::CM_THREADING)
    .union(WasmFeatures::CM_ERROR_CONTEXT)
    .union(WasmFeatures::CM_FIXED_LENGTH_LISTS)
    .union(WasmFeatures::CM_GC)
    .union(WasmFeatures::CM_MAP)
    .union(WasmFeatures::CM64)
    .union(WasmFeatures::CM_IMPLEMENTS)
    .union(WasmFeatures::CM_CANON_NAMES)
    .union(WasmFeatures::CM_FORWARD)
    .union(WasmFeatures::CM_ACCESSORS);

/// Every feature wasmparser knows.
fn everything() -> WasmFeatures {
    WasmFeatures::all()
}

fn validate(wasm: &[u8], features: WasmFeatures) -> std::result::Result<(), CompileError> {
    Validator::new_with_features(features)
        .validate_all(wasm)
        .map(|_| ())
        .map_err(CompileError::from)
}

/// Validates `wasm` for compilation: `Ok` when waot compiles every feature
/// it uses, with the feature bits of the proposals validation tells apart
/// (SIMD, a `v128` anywhere, which decides the target's CPU baseline,
/// typed function references, and GC: its types, casts, bottom types and
/// Wasm 3.0's constant expressions reading defined globals); [`CompileError::UnsupportedFeature`] when
/// it is valid but uses a proposal waot does not compile,
/// [`CompileError::FeatureTurnedOff`] when it uses one of `turned_off`
/// (names of [`OPTIONAL`]), else [`CompileError::Invalid`].
pub fn validate_for_compile(wasm: &[u8], turned_off: &[&str]) -> Result<u64> {
    let off: Vec<(&str, WasmFeatures)> = OPTIONAL
        .iter()
        .copied()
        .filter(|(name, _)| turned_off.contains(name))
        .collect();
    let allowed = off
        .iter()
        .fold(SUPPORTED, |acc, (_, flags)| acc.difference(*flags));
    // Most modules use neither and pass the first validation; only the
    // others (and broken ones) are validated more than once.
    let simd = WasmFeatures::SIMD.union(WasmFeatures::RELAXED_SIMD);
    let refs = WasmFeatures::FUNCTION_REFERENCES;
    let gc = WasmFeatures::GC;
    if validate(
        wasm,
        allowed.difference(simd).difference(refs).difference(gc),
    )
    .is_ok()
    {
        return Ok(0);
    }
    let Err(refused) = validate(wasm, allowed) else {
        let uses = |flags: WasmFeatures, bit: u64| {
            if validate(wasm, allowed.difference(flags)).is_err() {
                bit
            } else {
                0
            }
        };
        return Ok(uses(simd, wasm_features::SIMD)
            | uses(refs, wasm_features::FUNCTION_REFERENCES)
            | uses(gc, wasm_features::GC));
    };
    // The first turned-off proposal the module uses, if it explains the
    // refusal.
    if validate(wasm, SUPPORTED).is_ok() {
        let first = off
            .iter()
            .filter_map(|(name, flags)| {
                match validate(wasm, allowed.union(SUPPORTED.difference(*flags))) {
                    Err(CompileError::Invalid { offset, .. }) => Some((*name, offset)),
                    _ => None,
                }
            })
            .min_by_key(|(_, offset)| *offset);
        if let Some((feature, offset)) = first {
            return Err(CompileError::FeatureTurnedOff { feature, offset });
        }
        return Err(refused);
    }
    if let Err(invalid) = validate(wasm, everything()) {
        // Invalid whatever the features: as Wasm 2.0 words it when it fails
        // at the same place for the same reason (the specification's
        // messages). Where Wasm 2.0 fails earlier, or at the same
        // instruction only because that instruction belongs to a later
        // proposal (wasmparser's gate messages say "… not enabled"), it
        // names the proposal, which is not what is wrong.
        let same_place = |e: &CompileError| match (e, &invalid) {
            (
                CompileError::Invalid { offset, message },
                CompileError::Invalid { offset: at, .. },
            ) => offset == at && !message.contains("not enabled"),
            _ => false,
        };
        return Err(match validate(wasm, WasmFeatures::WASM2) {
            Err(wasm2) if same_place(&wasm2) => wasm2,
            _ => invalid,
        });
    }
    let used: Vec<(&Proposal, usize)> = PROPOSALS
        .iter()
        .filter_map(|p| match validate(wasm, everything().difference(p.flags)) {
            Err(CompileError::Invalid { offset, .. }) => Some((p, offset)),
            _ => None,
        })
        .collect();
    let named = used
        .iter()
        .filter(|(p, _)| !used.iter().any(|(q, _)| q.extends.contains(&p.name)))
        .min_by_key(|(_, offset)| *offset);
    match named {
        Some((p, offset)) => Err(CompileError::UnsupportedFeature {
            feature: p.name,
            offset: *offset,
        }),
        // Valid with every feature, yet no single proposal explains the
        // refusal: say what the validator said.
        None => Err(match refused {
            CompileError::Invalid { message, offset } => {
                CompileError::Unsupported(format!("{message} (at byte offset {offset:#x})"))
            }
            other => other,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_beyond_the_supported_set_is_a_named_proposal() {
        let named = PROPOSALS
            .iter()
            .fold(SUPPORTED, |acc, p| acc.union(p.flags));
        // GC_TYPES and FLOATS are in SUPPORTED already (they gate MVP
        // constructs, not proposals).
        let missing = everything().difference(named);
        assert!(
            missing.is_empty(),
            "wasmparser features without a proposal name: {missing:?}"
        );
    }

    #[test]
    fn the_compiled_proposals_are_the_named_feature_bits() {
        let compiled = COMPILED.iter().fold(0, |acc, c| acc | c.bit);
        let named = wasm_features::NAMES
            .iter()
            .fold(0, |acc, (bit, _)| acc | bit);
        assert_eq!(
            compiled | crate::module_info::RECORDED_FEATURES,
            named,
            "every named feature bit beyond Wasm 2.0 is a compiled proposal"
        );
        for c in COMPILED {
            assert!(!wasm_features::name(c.bit).starts_with("feature bit"));
        }
    }

    #[test]
    fn names_in_extends_are_proposals() {
        for p in PROPOSALS {
            for e in p.extends {
                assert!(
                    PROPOSALS.iter().any(|q| q.name == *e),
                    "{} extends {e}",
                    p.name
                );
            }
        }
    }
}
