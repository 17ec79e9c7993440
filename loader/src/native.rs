//! Native functions described by WAMR-style signature strings such as
//! `"(ii*~$)i"`. There is one call path for every native function, whether
//! written in Rust or loaded from a C library: before it runs, each pointer
//! argument is checked against the caller's current memory (with its `~`
//! length, one byte for a lone `*`, a terminating NUL for `$`); a bad pointer
//! traps with "out of bounds memory access" naming the import, and the
//! function never sees it. A guest NULL stays NULL.

use crate::externs::Extern;
use crate::linker::{Caller, HostFunc, Linker, host_func};
use crate::traps::Trap;
use crate::values::Val;
use std::ffi::CStr;
use std::sync::Arc;
use waot_format::traps::TrapKind;
use waot_format::types::{FuncType, ValType};

/// One parameter of a native signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NativeParam {
    /// `i`
    I32,
    /// `I`
    I64,
    /// `f`
    F32,
    /// `F`
    F64,
    /// `r`
    ExternRef,
    /// `*`; `sized` when a `~` follows.
    Ptr {
        /// A `~` length follows.
        sized: bool,
    },
    /// `~`: the byte length of the preceding pointer.
    Len,
    /// `$`: a NUL-terminated string.
    Str,
}

/// A parsed signature string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeSignature {
    /// The parameters.
    pub params: Vec<NativeParam>,
    /// The result, if any.
    pub result: Option<ValType>,
}

impl NativeSignature {
    /// Parses `"(ii*~$)i"`-style strings.
    pub fn parse(text: &str) -> Result<NativeSignature, String> {
        let bad = |why: &str| format!("bad native signature '{text}': {why}");
        let inner = text
            .strip_prefix('(')
            .ok_or_else(|| bad("it must start with '('"))?;
        let (params_text, result_text) = inner.split_once(')').ok_or_else(|| bad("missing ')'"))?;
        let mut params = Vec::new();
        for c in params_text.chars() {
            let param = match c {
                'i' => NativeParam::I32,
                'I' => NativeParam::I64,
                'f' => NativeParam::F32,
                'F' => NativeParam::F64,
                'r' => NativeParam::ExternRef,
                '*' => NativeParam::Ptr { sized: false },
                '$' => NativeParam::Str,
                '~' => match params.last_mut() {
                    Some(NativeParam::Ptr { sized }) if !*sized => {
                        *sized = true;
                        NativeParam::Len
                    }
                    _ => return Err(bad("'~' must follow '*'")),
                },
                other => return Err(bad(&format!("unknown character '{other}'"))),
            };
            params.push(param);
        }
        let result = match result_text {
            "" => None,
            "i" => Some(ValType::I32),
            "I" => Some(ValType::I64),
            "f" => Some(ValType::F32),
            "F" => Some(ValType::F64),
            "r" => Some(ValType::ExternRef),
            other => return Err(bad(&format!("unknown result '{other}'"))),
        };
        Ok(NativeSignature { params, result })
    }

    /// The wasm type of an import with this signature (pointers, lengths
    /// and strings are `i32`).
    pub fn wasm_type(&self) -> FuncType {
        let params = self
            .params
            .iter()
            .map(|p| match p {
                NativeParam::I64 => ValType::I64,
                NativeParam::F32 => ValType::F32,
                NativeParam::F64 => ValType::F64,
                NativeParam::ExternRef => ValType::ExternRef,
                _ => ValType::I32,
            })
            .collect();
        FuncType {
            params,
            results: self.result.into_iter().collect(),
        }
    }
}

/// A checked pointer argument: `None` for a guest NULL, else its offset and
/// the byte length that was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CheckedPtr {
    offset: usize,
    len: usize,
}

/// Checks every pointer argument against `memory`; returns per-parameter
/// ranges, or the trap for the first bad pointer.
fn check_pointers(
    sig: &NativeSignature,
    args: &[Val],
    memory: &[u8],
    import: &str,
) -> Result<Vec<Option<CheckedPtr>>, Trap> {
    let arg_u32 = |i: usize| match args.get(i) {
        Some(Val::I32(v)) => *v as u32 as usize,
        _ => 0,
    };
    let mut out = vec![None; sig.params.len()];
    for (i, p) in sig.params.iter().enumerate() {
        let offset = arg_u32(i);
        let len = match p {
            NativeParam::Ptr { sized: true } => arg_u32(i + 1),
            NativeParam::Ptr { sized: false } => 1,
            NativeParam::Str => match memory
                .get(offset..)
                .and_then(|rest| rest.iter().position(|b| *b == 0))
            {
                Some(nul) => nul + 1,
                None if offset == 0 => 0,
                None => {
                    return Err(oob(
                        import,
                        i,
                        offset,
                        "a string that does not end inside memory",
                        memory.len(),
                    ));
                }
            },
            _ => continue,
        };
        if offset == 0 {
            continue; // NULL stays NULL
        }
        if offset.checked_add(len).is_none_or(|end| end > memory.len()) {
            return Err(oob(
                import,
                i,
                offset,
                &format!("{len} bytes"),
                memory.len(),
            ));
        }
        out[i] = Some(CheckedPtr { offset, len });
    }
    Ok(out)
}

fn oob(import: &str, index: usize, offset: usize, what: &str, memory_len: usize) -> Trap {
    Trap {
        detail: Some(format!(
            "argument {} of {import} points at {offset:#x} ({what}), outside the {memory_len}-byte memory",
            index + 1
        )),
        ..Trap::new(TrapKind::MemoryOutOfBounds)
    }
}

/// The arguments of one call of a Rust native function, with checked access
/// to pointer arguments.
pub struct NativeCall<'a> {
    args: &'a [Val],
    ptrs: Vec<Option<CheckedPtr>>,
    memory: &'a mut [u8],
}

impl NativeCall<'_> {
    /// Argument `i` as an integer (`i`, `~`, `*` and `$` are guest offsets).
    pub fn i32(&self, i: usize) -> i32 {
        match self.args.get(i) {
            Some(Val::I32(v)) => *v,
            _ => 0,
        }
    }

    /// Argument `i` as an `I`.
    pub fn i64(&self, i: usize) -> i64 {
        match self.args.get(i) {
            Some(Val::I64(v)) => *v,
            _ => 0,
        }
    }

    /// Argument `i` as an `f`.
    pub fn f32(&self, i: usize) -> f32 {
        match self.args.get(i) {
            Some(Val::F32(v)) => f32::from_bits(*v),
            _ => 0.0,
        }
    }

    /// Argument `i` as an `F`.
    pub fn f64(&self, i: usize) -> f64 {
        match self.args.get(i) {
            Some(Val::F64(v)) => f64::from_bits(*v),
            _ => 0.0,
        }
    }

    /// The checked bytes of pointer argument `i` (`None` for NULL).
    pub fn bytes(&mut self, i: usize) -> Option<&mut [u8]> {
        let p = (*self.ptrs.get(i)?)?;
        self.memory.get_mut(p.offset..p.offset + p.len)
    }

    /// String argument `i` (`None` for NULL).
    pub fn str(&self, i: usize) -> Option<&CStr> {
        let p = (*self.ptrs.get(i)?)?;
        CStr::from_bytes_with_nul(self.memory.get(p.offset..p.offset + p.len)?).ok()
    }
}

/// A Rust native function.
pub type NativeFn = dyn Fn(&mut NativeCall) -> Result<Option<Val>, Trap> + Send + Sync;

fn native_host_func(
    module: &str,
    name: &str,
    sig: NativeSignature,
    run: Box<NativeFn>,
) -> Arc<HostFunc> {
    let import = format!("{module}.{name}");
    let ty = sig.wasm_type();
    HostFunc::new(ty, move |caller: &mut Caller, args: &[Val]| {
        let memory = caller.memory();
        let ptrs = check_pointers(&sig, args, memory, &import)?;
        let mut call = NativeCall { args, ptrs, memory };
        let result = run(&mut call)?;
        Ok(result.into_iter().collect())
    })
}

impl Linker {
    /// Defines `module.name` as a Rust native function with a WAMR-style
    /// signature string. Pointer arguments are checked before `f` runs.
    pub fn native(
        &mut self,
        module: &str,
        name: &str,
        signature: &str,
        f: impl Fn(&mut NativeCall) -> Result<Option<Val>, Trap> + Send + Sync + 'static,
    ) -> Result<&mut Self, String> {
        let sig = NativeSignature::parse(signature)?;
        let func = native_host_func(module, name, sig, Box::new(f));
        Ok(self.define(module, name, Extern::Func(host_func(func))))
    }

    /// Defines `module.name` as a C function at `address` with a WAMR-style
    /// signature string.
    ///
    /// # Safety
    /// `address` must be a C function whose parameters and result match
    /// `signature` as `waot_native.h` describes, and it must stay loaded as
    /// long as the linker or any instance uses it.
    pub unsafe fn native_c(
        &mut self,
        module: &str,
        name: &str,
        signature: &str,
        address: usize,
    ) -> Result<&mut Self, String> {
        let sig = NativeSignature::parse(signature)?;
        let ints = sig
            .params
            .iter()
            .filter(|p| !matches!(p, NativeParam::F32 | NativeParam::F64))
            .count();
        if ints > MAX_INT_ARGS || sig.params.len() - ints > MAX_FLOAT_ARGS {
            return Err(format!(
                "native {module}.{name}: '{signature}' has more than {MAX_INT_ARGS} integer or {MAX_FLOAT_ARGS} float parameters"
            ));
        }
        let shape = sig.clone();
        let run = move |call: &mut NativeCall| -> Result<Option<Val>, Trap> {
            let base = call.memory.as_mut_ptr() as usize;
            let mut ints = [0u64; PASSED_ARGS];
            let mut floats = [0f64; PASSED_ARGS];
            let (mut ni, mut nf) = (0, 0);
            for (i, p) in shape.params.iter().enumerate() {
                let int = match p {
                    NativeParam::F32 => {
                        floats[nf] = f32_in_float_register(call.f32(i).to_bits());
                        nf += 1;
                        continue;
                    }
                    NativeParam::F64 => {
                        floats[nf] = call.f64(i);
                        nf += 1;
                        continue;
                    }
                    NativeParam::I32 | NativeParam::Len => call.i32(i) as i64 as u64,
                    NativeParam::I64 => call.i64(i) as u64,
                    NativeParam::ExternRef => call.args.get(i).map_or(0, Val::raw_u64),
                    NativeParam::Ptr { .. } | NativeParam::Str => match call.ptrs[i] {
                        Some(p) => (base + p.offset) as u64,
                        None => 0,
                    },
                };
                ints[ni] = int;
                ni += 1;
            }
            // In the System V x86-64, AAPCS64, RISC-V LP64D and s390x ELF C
            // ABIs integer-class and float arguments are assigned to two
            // independent register sequences (and, past six integers on
            // x86-64, to the stack in order), so a callee with at most
            // MAX_INT_ARGS and MAX_FLOAT_ARGS of them reads exactly the
            // values it declares; the extra arguments are ignored and the
            // caller pops them. Pointers were checked against memory above.
            // SAFETY: the caller of `native_c` guarantees `address` is a C
            // function of this signature; wasm is suspended during the call.
            let result = unsafe { call_c(address, &ints, &floats, shape.result) };
            Ok(result)
        };
        let func = native_host_func(module, name, sig, Box::new(run));
        Ok(self.define(module, name, Extern::Func(host_func(func))))
    }

    /// Loads a native library (`waot_native.h`) and defines every symbol it
    /// lists. The library stays loaded for the rest of the process.
    pub fn native_library(&mut self, path: &std::path::Path) -> Result<usize, String> {
        let shown = path.display();
        if path.components().count() > 1 && !path.exists() {
            return Err(format!("cannot load native library {shown}: no such file"));
        }
        // SAFETY: loading a library runs its initialisers; the user asked
        // for this library explicitly with --native-lib.
        let lib = unsafe { libloading::Library::new(path) }.map_err(|e| {
            let detail =
                std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string());
            format!("cannot load native library {shown}: {detail}")
        })?;
        type Entry = unsafe extern "C" fn(*mut *const RawSymbol) -> u32;
        // SAFETY: the symbol's type is the one waot_native.h declares.
        let entry = unsafe { lib.get::<Entry>(b"waot_native_symbols\0") }
            .map_err(|_| format!("{shown} is not a waot native library: it does not export waot_native_symbols (see loader/include/waot_native.h)"))?;
        let mut table: *const RawSymbol = std::ptr::null();
        // SAFETY: the entry point stores a pointer to a static array of
        // `count` symbols, as waot_native.h specifies.
        let count = unsafe { entry(&mut table) } as usize;
        if count > 0 && table.is_null() {
            return Err(format!(
                "{shown}: waot_native_symbols returned {count} symbols but no table"
            ));
        }
        for i in 0..count {
            // SAFETY: `table` points at `count` symbols (checked non-null).
            let s = unsafe { &*table.add(i) };
            let text = |p: *const std::ffi::c_char, what: &str| -> Result<String, String> {
                if p.is_null() {
                    return Err(format!("{shown}: symbol {i} has no {what}"));
                }
                // SAFETY: the library provides NUL-terminated strings.
                Ok(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
            };
            let (module, name, signature) = (
                text(s.module, "module")?,
                text(s.name, "name")?,
                text(s.signature, "signature")?,
            );
            if s.func.is_null() {
                return Err(format!(
                    "{shown}: {module}.{name} has a null function pointer"
                ));
            }
            // SAFETY: the library declares this function with this signature;
            // it stays loaded because `lib` is leaked below.
            unsafe { self.native_c(&module, &name, &signature, s.func as usize) }?;
        }
        std::mem::forget(lib);
        Ok(count)
    }
}

/// `waot_native_symbol` from `waot_native.h`.
#[repr(C)]
struct RawSymbol {
    module: *const std::ffi::c_char,
    name: *const std::ffi::c_char,
    signature: *const std::ffi::c_char,
    func: *const std::ffi::c_void,
}

/// Integer-class and float arguments every call passes to a C native: the
/// natives declare fewer, and find theirs where they expect them as long
/// as those are in argument registers (or, on x86-64, integers past the
/// sixth, on the stack in order before anything else).
const PASSED_ARGS: usize = 8;
/// The most integer-class parameters a native may have: s390x passes only
/// five in registers.
#[cfg(not(target_arch = "s390x"))]
const MAX_INT_ARGS: usize = 8;
#[cfg(target_arch = "s390x")]
const MAX_INT_ARGS: usize = 5;
/// The most float parameters a native may have (s390x: four registers).
#[cfg(not(target_arch = "s390x"))]
const MAX_FLOAT_ARGS: usize = 8;
#[cfg(target_arch = "s390x")]
const MAX_FLOAT_ARGS: usize = 4;

/// An `f32` as the C ABI leaves it in a 64-bit float register, which the
/// natives are called with as a `double`: in the low half on x86-64 and
/// aarch64, NaN-boxed (the high half all ones) on riscv64, in the high
/// half on s390x.
fn f32_in_float_register(bits: u32) -> f64 {
    let bits = u64::from(bits);
    #[cfg(target_arch = "riscv64")]
    let bits = bits | 0xffff_ffff_0000_0000;
    #[cfg(target_arch = "s390x")]
    let bits = bits << 32;
    f64::from_bits(bits)
}

/// The `f32` a C function returned in a float register read as a
/// `double` (see [`f32_in_float_register`]).
fn f32_from_float_register(register: f64) -> u32 {
    let bits = register.to_bits();
    #[cfg(target_arch = "s390x")]
    let bits = bits >> 32;
    bits as u32
}

type IntFn = extern "C" fn(
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
) -> u64;
type FloatFn = extern "C" fn(
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
) -> f64;

/// Calls the C function at `address` with every integer and float slot.
///
/// # Safety
/// See [`Linker::native_c`]: `address` is a C function taking at most
/// [`MAX_INT_ARGS`] integer-class and [`MAX_FLOAT_ARGS`] float parameters,
/// in the order given.
unsafe fn call_c(
    address: usize,
    i: &[u64; PASSED_ARGS],
    f: &[f64; PASSED_ARGS],
    result: Option<ValType>,
) -> Option<Val> {
    match result {
        Some(ValType::F32) | Some(ValType::F64) => {
            // SAFETY: guaranteed by the caller (see the function's contract).
            let func: FloatFn = unsafe { std::mem::transmute(address) };
            let r = func(
                i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7], f[0], f[1], f[2], f[3], f[4], f[5],
                f[6], f[7],
            );
            Some(if result == Some(ValType::F32) {
                Val::F32(f32_from_float_register(r))
            } else {
                Val::F64(r.to_bits())
            })
        }
        _ => {
            // SAFETY: guaranteed by the caller (see the function's contract).
            let func: IntFn = unsafe { std::mem::transmute(address) };
            let r = func(
                i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7], f[0], f[1], f[2], f[3], f[4], f[5],
                f[6], f[7],
            );
            match result {
                Some(ValType::I32) => Some(Val::I32(r as u32 as i32)),
                Some(ValType::I64) => Some(Val::I64(r as i64)),
                Some(ValType::ExternRef) => {
                    Some(Val::ExternRef(crate::values::ExternRef::from_raw(r)))
                }
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_parse_as_wamr_defines_them() {
        let s = NativeSignature::parse("(ii*~$)i").unwrap();
        assert_eq!(s.params.len(), 5);
        assert_eq!(s.params[2], NativeParam::Ptr { sized: true });
        assert_eq!(
            s.wasm_type().to_string(),
            "(i32, i32, i32, i32, i32) -> i32"
        );
        assert_eq!(
            NativeSignature::parse("(IfF)")
                .unwrap()
                .wasm_type()
                .to_string(),
            "(i64, f32, f64) -> ()"
        );
        assert!(NativeSignature::parse("(~)").is_err());
        assert!(NativeSignature::parse("(x)").is_err());
        assert!(NativeSignature::parse("ii").is_err());
    }

    #[test]
    fn pointers_are_checked_and_null_stays_null() {
        let sig = NativeSignature::parse("(*~$*)").unwrap();
        // 0: NUL, 1..=5: "hello", 6: NUL, 7..=12: "world!" (no NUL after it)
        let memory = b"\0hello\0world!".to_vec();
        let args = |p: i32, len: i32, s: i32, q: i32| {
            vec![Val::I32(p), Val::I32(len), Val::I32(s), Val::I32(q)]
        };
        let ok = check_pointers(&sig, &args(1, 4, 1, 12), &memory, "env.f").unwrap();
        assert_eq!(ok[0], Some(CheckedPtr { offset: 1, len: 4 }));
        assert_eq!(
            ok[2],
            Some(CheckedPtr { offset: 1, len: 6 }),
            "the string includes its NUL"
        );
        assert_eq!(
            ok[3],
            Some(CheckedPtr { offset: 12, len: 1 }),
            "a lone pointer covers one byte"
        );
        assert!(
            check_pointers(&sig, &args(10, 4, 1, 1), &memory, "env.f").is_err(),
            "10 + 4 > 13"
        );
        assert!(
            check_pointers(&sig, &args(1, 1, 7, 1), &memory, "env.f").is_err(),
            "unterminated string"
        );
        assert!(
            check_pointers(&sig, &args(1, 1, 1, 13), &memory, "env.f").is_err(),
            "one past the end"
        );
        let nulls = check_pointers(&sig, &args(0, 100, 0, 0), &memory, "env.f").unwrap();
        assert!(
            nulls.iter().all(Option::is_none),
            "NULL stays NULL whatever its length"
        );
    }
}
