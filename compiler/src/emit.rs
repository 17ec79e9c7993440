//! The back half of the pipeline: compile every function with Cranelift,
//! lay the code out in one text section, resolve calls between functions
//! (the only relocations Cranelift produces for our IR) so the text needs
//! no relocations at load time, collect the trap table, and write the
//! artifact.

use crate::error::{CompileError, Result};
use crate::isa::Target;
use crate::module_info::{self, ModuleInfo};
use crate::options::{CompileOptions, MEMORY_GUARD, MEMORY_RESERVATION};
use crate::trampolines;
use crate::translate::{self, Env, NAMESPACE_WASM_FUNC};
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::ExternalName;
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::FunctionBuilderContext;
use sha2::{Digest, Sha256};
use waot_format::types::*;
use waot_format::vmctx::VMOffsets;
use waot_format::writer::{ArtifactContents, WriteOptions, write_with};

/// Alignment of every function in the text.
const FUNCTION_ALIGN: usize = waot_format::consts::CODE_ALIGN as usize;

/// A call from compiled code to a defined function, to be resolved.
struct PendingReloc {
    /// Offset of the patched field within the function.
    offset: u32,
    kind: Reloc,
    callee: DefinedFuncIndex,
    addend: i64,
}

/// One compiled function.
struct CompiledFunc {
    code: Vec<u8>,
    relocs: Vec<PendingReloc>,
    traps: Vec<(u32, u32, u32)>,
}

/// Compiles a wasm binary into an artifact.
pub fn compile(wasm: &[u8], options: &CompileOptions) -> Result<Vec<u8>> {
    let mut module = module_info::parse(wasm)?;
    for (i, m) in module.memories.iter_mut().enumerate() {
        if let Some(limit) = options.max_memory_pages
            && m.min_pages > limit
        {
            let index = MemoryIndex(module.space.memories.imported + i as u32);
            return Err(CompileError::Options(format!(
                "--max-memory-pages {limit} is below the declared minimum of memory {} ({} pages), so the artifact could never be instantiated\nhint: pass --max-memory-pages {} or more, or leave the flag out",
                index.0, m.min_pages, m.min_pages
            )));
        }
        m.page_limit = options.max_memory_pages;
    }
    let target = crate::isa::target(options)?;
    // Wasm's implementation limits keep every valid module far below the
    // 2 GiB a VM context may take, so this only guards the arithmetic.
    let offsets = VMOffsets::new(&module.space)
        .map_err(|e| CompileError::Unsupported(e.message.to_string()))?;
    let env = Env {
        module: &module,
        isa: &*target.isa,
        offsets,
        bounds: options.bounds,
        memory_guard: MEMORY_GUARD,
        native_rounding: target.has_native_rounding(),
    };
    let mut ctx = Context::new();
    let mut fctx = FunctionBuilderContext::new();
    let mut text = Vec::new();
    let mut traps = Vec::new();
    let mut relocs = Vec::new();
    let mut place = |text: &mut Vec<u8>, compiled: CompiledFunc| -> (u32, u32) {
        text.resize(text.len().next_multiple_of(FUNCTION_ALIGN), 0);
        let start = text.len() as u32;
        text.extend_from_slice(&compiled.code);
        traps.extend(
            compiled
                .traps
                .iter()
                .map(|&(offset, wasm_offset, kind)| TrapEntry {
                    code_offset: start + offset,
                    wasm_offset,
                    kind,
                }),
        );
        relocs.extend(compiled.relocs.into_iter().map(|r| (start, r)));
        (start, compiled.code.len() as u32)
    };

    let mut funcs = Vec::with_capacity(module.bodies.len());
    for i in 0..module.bodies.len() as u32 {
        let index = DefinedFuncIndex(i);
        ctx.clear();
        translate::translate_function(&env, index, &mut ctx.func, &mut fctx)?;
        if let Some(dir) = &options.emit_clif {
            let path = dir.join(format!(
                "func{}.clif",
                module.space.func_index(DefinedFuncIndex(i))
            ));
            std::fs::write(&path, ctx.func.display().to_string()).map_err(|e| {
                CompileError::Target(format!("cannot write {}: {e}", path.display()))
            })?;
        }
        let (body_offset, body_len) = place(&mut text, compile_one(&mut ctx, &target)?);
        let ty = module.func_types[module.space.func_index(DefinedFuncIndex(i)).index()];
        funcs.push(FuncInfo {
            ty,
            body_offset,
            body_len,
            array_entry_offset: NO_ARRAY_ENTRY,
        });
    }
    for i in 0..module.bodies.len() as u32 {
        let func_index = module.space.func_index(DefinedFuncIndex(i));
        if !module.escapes(func_index) {
            continue;
        }
        ctx.clear();
        trampolines::array_entry(
            &env,
            DefinedFuncIndex(i),
            module.func_type(func_index),
            &mut ctx.func,
            &mut fctx,
        )?;
        funcs[i as usize].array_entry_offset = place(&mut text, compile_one(&mut ctx, &target)?).0;
    }
    let mut import_trampolines = Vec::new();
    for i in 0..module.space.funcs.imported {
        ctx.clear();
        trampolines::wasm_to_host(
            &env,
            i,
            module.func_type(FuncIndex(i)),
            &mut ctx.func,
            &mut fctx,
        )?;
        import_trampolines.push(place(&mut text, compile_one(&mut ctx, &target)?).0);
    }
    for (start, r) in relocs {
        let target_offset = funcs
            .get(r.callee.index())
            .ok_or_else(|| CompileError::Codegen("call to an unknown function".into()))?
            .body_offset;
        patch(&mut text, start + r.offset, r.kind, target_offset, r.addend)?;
    }
    write_artifact(
        wasm,
        options,
        &module,
        &target,
        &funcs,
        &import_trampolines,
        &traps,
        &text,
    )
}

fn compile_one(ctx: &mut Context, target: &Target) -> Result<CompiledFunc> {
    let name = ctx.func.name.to_string();
    let params = ctx.func.params.clone();
    let compiled = ctx
        .compile(&*target.isa, &mut ControlPlane::default())
        .map_err(|e| CompileError::Codegen(format!("cranelift rejected {name}: {:?}", e.inner)))?;
    let srclocs = compiled.buffer.get_srclocs_sorted();
    let wasm_offset = |offset: u32| {
        srclocs
            .iter()
            .find(|s| s.start <= offset && offset < s.end)
            .map(|s| s.loc.bits())
            .unwrap_or(u32::MAX)
    };
    let mut traps = Vec::new();
    for t in compiled.buffer.traps() {
        let kind = translate::trap_kind(t.code)
            .ok_or_else(|| CompileError::Codegen(format!("unknown trap code {:?}", t.code)))?;
        traps.push((t.offset, wasm_offset(t.offset), kind as u32));
    }
    let mut relocs = Vec::new();
    for r in compiled.buffer.relocs() {
        let callee = match &r.target {
            FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
                let name = &params.user_named_funcs()[*name];
                (name.namespace == NAMESPACE_WASM_FUNC).then_some(DefinedFuncIndex(name.index))
            }
            _ => None,
        };
        let callee = callee.ok_or_else(|| {
            CompileError::Codegen(format!(
                "{name} needs a relocation to {:?}, which waot does not allow",
                r.target
            ))
        })?;
        relocs.push(PendingReloc {
            offset: r.offset,
            kind: r.kind,
            callee,
            addend: r.addend,
        });
    }
    Ok(CompiledFunc {
        code: compiled.code_buffer().to_vec(),
        relocs,
        traps,
    })
}

/// Resolves a call from text offset `site` to text offset `target`.
fn patch(text: &mut [u8], site: u32, kind: Reloc, target: u32, addend: i64) -> Result<()> {
    let at = site as usize;
    let delta = i64::from(target) + addend - i64::from(site);
    let field = text
        .get_mut(at..at + if kind == Reloc::RiscvCallPlt { 8 } else { 4 })
        .ok_or_else(|| CompileError::Codegen("relocation outside the text".into()))?;
    let word = |f: &[u8], i: usize| u32::from_le_bytes([f[i], f[i + 1], f[i + 2], f[i + 3]]);
    let out_of_range = || CompileError::Codegen("call displacement out of range".into());
    match kind {
        Reloc::X86CallPCRel4 | Reloc::X86PCRel4 => {
            let v = i32::try_from(delta).map_err(|_| out_of_range())?;
            field.copy_from_slice(&v.to_le_bytes());
        }
        Reloc::Arm64Call => {
            if delta % 4 != 0 || !(-(1 << 27)..(1 << 27)).contains(&delta) {
                return Err(out_of_range());
            }
            let insn = (word(field, 0) & 0xfc00_0000) | ((delta >> 2) as u32 & 0x03ff_ffff);
            field.copy_from_slice(&insn.to_le_bytes());
        }
        Reloc::RiscvCallPlt => {
            let delta = i32::try_from(delta).map_err(|_| out_of_range())?;
            let hi20 = (delta.wrapping_add(0x800) as u32) & 0xffff_f000;
            let lo12 = (delta as u32).wrapping_sub(hi20) & 0xfff;
            let auipc = (word(field, 0) & 0xfff) | hi20;
            let jalr = (word(field, 4) & 0x000f_ffff) | (lo12 << 20);
            field[..4].copy_from_slice(&auipc.to_le_bytes());
            field[4..].copy_from_slice(&jalr.to_le_bytes());
        }
        Reloc::S390xPLTRel32Dbl => {
            let v = i32::try_from(delta >> 1).map_err(|_| out_of_range())?;
            field.copy_from_slice(&v.to_be_bytes());
        }
        other => {
            return Err(CompileError::Codegen(format!(
                "unexpected relocation kind {other:?}"
            )));
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_artifact(
    wasm: &[u8],
    options: &CompileOptions,
    module: &ModuleInfo,
    target: &Target,
    funcs: &[FuncInfo],
    import_trampolines: &[u32],
    traps: &[TrapEntry],
    text: &[u8],
) -> Result<Vec<u8>> {
    let guard = options.bounds == BoundsStrategy::Guard;
    let build = BuildInfo {
        source_name: &options.source_name,
        target: &target.triple,
        cpu_mode: options.cpu,
        cpu_features: &target.cpu_features,
        text_align: target.text_align,
        bounds: options.bounds,
        memory_reservation: if guard { MEMORY_RESERVATION } else { 0 },
        memory_guard: if guard { MEMORY_GUARD } else { 0 },
        stack_check: true,
        wasm_features: module_info::RECORDED_FEATURES,
        opt_level: options.opt_level.cranelift_name(),
        codegen: concat!("cranelift ", "0.135.8"),
    };
    let producer = format!("waot {}", env!("CARGO_PKG_VERSION"));
    let contents = ArtifactContents {
        producer: &producer,
        source_sha256: Sha256::digest(wasm).into(),
        build,
        types: &module.types,
        imports: &module.imports,
        funcs,
        memories: &module.memories,
        globals: &module.globals,
        tables: &module.tables,
        elements: &module.elements,
        exports: &module.exports,
        start: module.start,
        data: &module.data,
        names: &module.names,
        import_trampolines,
        traps,
        text,
    };
    let write_options = WriteOptions {
        signing_key: options.signing_key.as_ref(),
        ..WriteOptions::default()
    };
    Ok(write_with(&contents, &write_options))
}
