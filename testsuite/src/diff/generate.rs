//! Generation: a seeded RNG, the wasm-smith configuration (Wasm 2.0
//! without SIMD, bounded), arguments that favour edge cases, the call
//! sequence for a module, and mutations for the validation comparison.

use super::oracle::Value;
use anyhow::{Context, Result};
use waot_format::types::ValType;

/// A small deterministic RNG (SplitMix64), so a seed always means the same
/// module, arguments and mutations.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// The generator's configuration: Wasm 2.0 (SIMD included) with the Wasm
/// 3.0 proposals wasmi 2.0 implements and waot compiles (tail calls,
/// extended constant expressions, multi-memory, memory64), bounded. Odd
/// seeds generate code that avoids traps (so long computations run to the
/// end), even seeds code that may trap anywhere.
pub fn smith_config(seed: u64) -> wasm_smith::Config {
    wasm_smith::Config {
        simd_enabled: true,
        relaxed_simd_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        memory64_enabled: true,
        threads_enabled: false,
        tail_call_enabled: true,
        extended_const_enabled: true,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        multi_value_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        canonicalize_nans: true,
        export_everything: true,
        max_imports: 0,
        max_memories: 2,
        max_memory32_bytes: 8 * 65536,
        max_memory64_bytes: 8 * 65536u128,
        memory_max_size_required: true,
        max_tables: 2,
        max_table_elements: 64,
        min_funcs: 3,
        max_funcs: 16,
        max_instructions: 600,
        min_memories: 1,
        min_globals: 1,
        min_data_segments: 1,
        disallow_traps: seed % 2 == 1,
        ..wasm_smith::Config::default()
    }
}

/// Generates the module for `seed`.
pub fn generate(seed: u64) -> Result<Vec<u8>> {
    generate_with(seed, false)
}

/// Generates the module for `seed`, with exception handling, tail calls and
/// threads (atomics, shared memories) when `exceptions`.
pub fn generate_with(seed: u64, exceptions: bool) -> Result<Vec<u8>> {
    let mut config = smith_config(seed);
    config.exceptions_enabled = exceptions;
    config.threads_enabled = exceptions;
    if exceptions {
        // The exception mode keeps its language (and so its seeds'
        // modules) from before multi-memory and memory64.
        config.max_memories = 1;
        config.memory64_enabled = false;
    }
    // The exception mode's oracle, Wasmtime's Python API, cannot pass v128
    // values; SIMD is tested against wasmi in the default mode.
    config.simd_enabled = !exceptions;
    smith_module(seed, config)
}

/// Generates the module for `seed` with GC (and tail calls, typed
/// function references), without SIMD, exceptions or memory64.
pub fn generate_gc(seed: u64) -> Result<Vec<u8>> {
    let mut config = smith_config(seed);
    config.gc_enabled = true;
    config.simd_enabled = false;
    config.max_memories = 1;
    config.memory64_enabled = false;
    smith_module(seed, config)
}

/// wasm-smith's module of `config` from `seed`'s bytes, made to terminate.
fn smith_module(seed: u64, config: wasm_smith::Config) -> Result<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let bytes: Vec<u8> = (0..64 * 1024).map(|_| rng.next_u64() as u8).collect();
    let mut u = arbitrary::Unstructured::new(&bytes);
    let mut module = wasm_smith::Module::new(config, &mut u).context("wasm-smith")?;
    module
        .ensure_termination(2_000)
        .context("ensure_termination")?;
    Ok(module.to_bytes())
}

/// An argument for a parameter of type `ty`, favouring edge cases.
fn argument(rng: &mut Rng, ty: ValType) -> Value {
    let pick = rng.below(4);
    match ty {
        ValType::I32 => Value::I32(match pick {
            0 => [0, 1, -1, i32::MIN, i32::MAX, 65535, 65536][rng.below(7) as usize],
            1 => rng.below(100) as i32,
            _ => rng.next_u64() as i32,
        }),
        ValType::I64 => Value::I64(match pick {
            0 => [0, 1, -1, i64::MIN, i64::MAX][rng.below(5) as usize],
            1 => rng.below(100) as i64,
            _ => rng.next_u64() as i64,
        }),
        ValType::F32 => Value::F32(match pick {
            0 => [
                0.0f32,
                -0.0,
                1.0,
                -1.5,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::MAX,
                f32::MIN_POSITIVE,
            ][rng.below(8) as usize]
                .to_bits(),
            1 => 0x7fc0_0000,
            _ => (rng.next_u64() as u32 % 2_000_000) as f32 as u32 ^ ((rng.below(2) as u32) << 31),
        }),
        ValType::F64 => Value::F64(match pick {
            0 => [
                0.0f64,
                -0.0,
                1.0,
                -1.5,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                1e-310,
            ][rng.below(8) as usize]
                .to_bits(),
            1 => 0x7ff8_0000_0000_0000,
            _ => (rng.next_u64() % 2_000_000_000) as f64 as u64 ^ (rng.below(2) << 63),
        }),
        ValType::V128 => Value::V128(match pick {
            0 => [0, u128::MAX, 1, 1 << 127][rng.below(4) as usize],
            1 => u128::from(rng.below(100)) * 0x0101_0101_0101_0101_0101_0101_0101_0101,
            _ => u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64()),
        }),
        _ => Value::Ref(true),
    }
}

/// One call of a sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The export.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Value>,
}

pub(crate) fn format_value(v: &Value) -> String {
    match v {
        Value::I32(x) => format!("i32:{x}"),
        Value::I64(x) => format!("i64:{x}"),
        Value::F32(x) => format!("f32:{x:#x}"),
        Value::F64(x) => format!("f64:{x:#x}"),
        Value::V128(x) => format!("v128:{x:#x}"),
        Value::Ref(_) => "ref:null".into(),
    }
}

pub(crate) fn parse_value(text: &str) -> Result<Value> {
    let (ty, v) = text.split_once(':').context("value without type")?;
    let hex = |v: &str| u64::from_str_radix(v.trim_start_matches("0x"), 16);
    Ok(match ty {
        "i32" => Value::I32(v.parse()?),
        "i64" => Value::I64(v.parse()?),
        "f32" => Value::F32(hex(v)? as u32),
        "f64" => Value::F64(hex(v)?),
        "v128" => Value::V128(u128::from_str_radix(v.trim_start_matches("0x"), 16)?),
        _ => Value::Ref(true),
    })
}

/// The call sequence for a module: every exported function twice, in name
/// order, with arguments from `seed`.
pub(crate) fn calls_for(functions: &[(String, Vec<ValType>)], seed: u64) -> Vec<Call> {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
    let mut out = Vec::new();
    for _ in 0..2 {
        for (name, params) in functions {
            out.push(Call {
                name: name.clone(),
                args: params.iter().map(|t| argument(&mut rng, *t)).collect(),
            });
        }
    }
    out
}

/// Mutates a valid module a little (often making it invalid).
pub fn mutate(wasm: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = wasm.to_vec();
    for _ in 0..=rng.below(3) {
        if out.len() <= 8 {
            break;
        }
        let at = 8 + rng.below(out.len() as u64 - 8) as usize;
        match rng.below(3) {
            0 => out[at] = rng.next_u64() as u8,
            1 => out.insert(at, rng.next_u64() as u8),
            _ => {
                out.remove(at);
            }
        }
    }
    out
}
