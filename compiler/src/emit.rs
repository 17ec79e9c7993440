//! The back half of the pipeline: compile every function with Cranelift,
//! lay the code out in one text section with Cranelift's text section
//! builder, which resolves calls between functions (the only relocations
//! Cranelift produces for our IR, with veneers where a branch cannot reach)
//! so the text needs no relocations at load time, collect the trap table,
//! and write the artifact.

use crate::error::{CompileError, Result};
use crate::isa::Target;
use crate::module_info::{self, ModuleInfo};
use crate::options::{CompileOptions, MEMORY_GUARD, MEMORY_RESERVATION};
use crate::trampolines;
use crate::translate::{self, Env, NAMESPACE_WASM_FUNC};
use cranelift_codegen::TextSectionBuilder;
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::ExternalName;
use cranelift_codegen::{
    Context, ExceptionContextLoc, FinalizedMachExceptionHandler, FinalizedRelocTarget,
};
use cranelift_frontend::FunctionBuilderContext;
use sha2::{Digest, Sha256};
use waot_format::stack_maps::StackMapEntry;
use waot_format::types::*;
use waot_format::vmctx::VMOffsets;
use waot_format::writer::{ArtifactContents, WriteOptions, write_with};

/// Alignment of every function in the text.
const FUNCTION_ALIGN: u32 = waot_format::consts::CODE_ALIGN;

thread_local! {
    /// The Cranelift contexts of a compiling thread, reused for every body
    /// it compiles.
    static WORKER_CONTEXTS: std::cell::RefCell<(Context, FunctionBuilderContext)> =
        std::cell::RefCell::new((Context::new(), FunctionBuilderContext::new()));
}

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
    /// Calls with a catch-all handler, offsets relative to the function.
    handlers: Vec<HandlerEntry>,
    /// Stack maps, return offsets relative to the function.
    stack_maps: Vec<StackMapEntry>,
}

/// Compiles a wasm binary into an artifact.
pub fn compile(wasm: &[u8], options: &CompileOptions) -> Result<Vec<u8>> {
    compile_with_progress(wasm, options, &|_, _| {})
}

/// [`compile`], calling `progress(done, total)` from the compiling threads
/// each time a function body has been compiled (`waot compile` draws its
/// progress bar with it).
pub fn compile_with_progress(
    wasm: &[u8],
    options: &CompileOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Vec<u8>> {
    let mut module = module_info::parse(wasm, &options.turned_off)?;
    for (i, m) in module.meta.memories.iter_mut().enumerate() {
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
    let target = crate::isa::target(
        options,
        module
            .uses
            .contains(waot_format::types::wasm_features::SIMD),
    )?;
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
        interruption: options.interruption,
    };
    let mut ctx = Context::new();
    let mut fctx = FunctionBuilderContext::new();
    // Function bodies are the builder's labels 0, 1, … (their defined
    // index), and a module that makes GC objects has its GC trampoline
    // after them; the builder resolves calls between them, inserting
    // veneers where a branch cannot reach, so the text needs no
    // relocations.
    let gc_trampoline = translate::gc_objects::allocates(&module.meta.types);
    let labels = module.bodies.len() + usize::from(gc_trampoline);
    let mut text = TextBuilder {
        builder: target.isa.text_section_builder(labels),
        traps: Vec::new(),
        handlers: Vec::new(),
        stack_maps: Vec::new(),
        ctrl: ControlPlane::default(),
    };

    // Bodies compile on every core (one Cranelift context per worker
    // thread) and are laid out in index order as they finish.
    let total = module.bodies.len() as u32;
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut funcs = Vec::with_capacity(module.bodies.len());
    let callees = crate::inline::Callees::find(&env, options.inline);
    let callees = &callees;
    let compile = |i: u32| {
        let code = WORKER_CONTEXTS.with_borrow_mut(|(ctx, fctx)| {
            let index = DefinedFuncIndex(i);
            compile_function(&env, options, &target, index, ctx, fctx, callees)
        });
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(n, u64::from(total));
        code
    };
    let size = |i: u32| {
        let range = module.bodies[i as usize].range();
        range.end - range.start
    };
    crate::pipeline::in_order(total, &size, &compile, &mut |i, code| {
        let (body_offset, body_len) = text.append(true, false, code)?;
        let ty = module.func_types[module.space.func_index(DefinedFuncIndex(i)).index()];
        funcs.push(FuncInfo {
            ty,
            body_offset,
            body_len,
            array_entry_offset: NO_ARRAY_ENTRY,
            wasm_offset: module.bodies[i as usize].range().start as u32,
        });
        Ok(())
    })?;
    if gc_trampoline {
        ctx.clear();
        trampolines::gc_alloc(&env, &mut ctx.func, &mut fctx)?;
        text.append(true, false, compile_one(&mut ctx, &target)?)?;
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
        funcs[i as usize].array_entry_offset =
            text.append(false, true, compile_one(&mut ctx, &target)?)?.0;
    }
    let mut import_trampolines = Vec::new();
    for i in 0..module.space.funcs.imported {
        ctx.clear();
        trampolines::wasm_to_host(
            &env,
            trampolines::TrampolineFor::Import(i),
            module.func_type(FuncIndex(i)),
            &mut ctx.func,
            &mut fctx,
        )?;
        import_trampolines.push(
            text.append(false, false, compile_one(&mut ctx, &target)?)?
                .0,
        );
    }
    // A trampoline per function type, for host functions that reach wasm
    // as `funcref`s (an import of the same type lends its own).
    let mut lent = std::collections::HashMap::new();
    for (i, &offset) in import_trampolines.iter().enumerate() {
        lent.entry(module.func_type(FuncIndex(i as u32)))
            .or_insert(offset);
    }
    let mut type_trampolines = Vec::new();
    let func_types = module.meta.types.iter().enumerate();
    for (t, ty) in func_types.filter_map(|(t, ty)| Some((t, ty.as_func()?))) {
        let t = TypeIndex(t as u32);
        let offset = match lent.get(ty).copied() {
            Some(offset) => offset,
            None => {
                ctx.clear();
                trampolines::wasm_to_host(
                    &env,
                    trampolines::TrampolineFor::Type(t),
                    ty,
                    &mut ctx.func,
                    &mut fctx,
                )?;
                text.append(false, false, compile_one(&mut ctx, &target)?)?
                    .0
            }
        };
        type_trampolines.push((t, offset));
    }
    let traps = std::mem::take(&mut text.traps);
    let handlers = std::mem::take(&mut text.handlers);
    let stack_maps = std::mem::take(&mut text.stack_maps);
    let text = text.builder.finish(&mut text.ctrl);
    write_artifact(
        wasm,
        options,
        &module,
        &target,
        &funcs,
        &import_trampolines,
        &type_trampolines,
        &traps,
        &handlers,
        &stack_maps,
        &text,
    )
}

/// The text section being laid out by Cranelift's text section builder,
/// and the trap and exception-table records of what it holds.
struct TextBuilder {
    builder: Box<dyn TextSectionBuilder>,
    traps: Vec<TrapEntry>,
    handlers: Vec<HandlerEntry>,
    stack_maps: Vec<StackMapEntry>,
    ctrl: ControlPlane,
}

impl TextBuilder {
    /// Appends one compiled piece of code (a label when `labeled`: function
    /// bodies only), resolves its calls and records its traps; returns its
    /// offset and length.
    fn append(
        &mut self,
        labeled: bool,
        catches_traps: bool,
        compiled: CompiledFunc,
    ) -> Result<(u32, u32)> {
        let start = self
            .builder
            .append(labeled, &compiled.code, FUNCTION_ALIGN, &mut self.ctrl);
        let start = u32::try_from(start)
            .map_err(|_| CompileError::Unsupported("text section larger than 4 GiB".into()))?;
        for r in compiled.relocs {
            let site = u64::from(start) + u64::from(r.offset);
            if !self
                .builder
                .resolve_reloc(site, r.kind, r.addend, r.callee.index())
            {
                return Err(CompileError::Codegen(format!(
                    "cranelift cannot resolve a {:?} call in the text section",
                    r.kind
                )));
            }
        }
        self.traps.extend(
            compiled
                .traps
                .iter()
                .map(|&(offset, wasm_offset, kind)| TrapEntry {
                    code_offset: start + offset,
                    wasm_offset,
                    kind,
                }),
        );
        self.stack_maps
            .extend(compiled.stack_maps.into_iter().map(|m| StackMapEntry {
                return_offset: start + m.return_offset,
                ..m
            }));
        self.handlers.extend(compiled.handlers.into_iter().map(|h| {
            HandlerEntry {
                return_offset: start + h.return_offset,
                catches_traps,
                handlers: h
                    .handlers
                    .into_iter()
                    .map(|(tag, offset)| (tag, start + offset))
                    .collect(),
                ..h
            }
        }));
        Ok((start, compiled.code.len() as u32))
    }
}

/// Translates and compiles defined function `index` (writing its IR
/// when `--emit-clif` asks for it, its machine code for `--emit-asm`).
fn compile_function(
    env: &Env,
    options: &CompileOptions,
    target: &Target,
    index: DefinedFuncIndex,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    callees: &crate::inline::Callees,
) -> Result<CompiledFunc> {
    ctx.clear();
    if let Err(e) = translate::translate_function(env, index, &mut ctx.func, fctx) {
        // A translation that stops half-way (a refused instruction) leaves
        // the builder's context mid-function; the worker's next function,
        // of this module or the next, needs a clean one.
        *fctx = FunctionBuilderContext::new();
        return Err(e);
    }
    callees.inline_into(ctx)?;
    let func_index = env.module.space.func_index(index);
    if let Some(dir) = &options.emit_clif {
        write_listing(dir, func_index, "clif", &ctx.func.display().to_string())?;
    }
    ctx.set_disasm(options.emit_asm.is_some());
    let compiled = compile_one(ctx, target)?;
    if let Some(dir) = &options.emit_asm {
        let asm = ctx.compiled_code().and_then(|c| c.vcode.as_deref());
        write_listing(dir, func_index, "s", asm.unwrap_or_default())?;
    }
    Ok(compiled)
}

/// Writes `DIR/funcN.EXT` for `--emit-clif` and `--emit-asm`.
fn write_listing(dir: &std::path::Path, index: FuncIndex, ext: &str, text: &str) -> Result<()> {
    let path = dir.join(format!("func{index}.{ext}"));
    std::fs::write(&path, text)
        .map_err(|e| CompileError::Target(format!("cannot write {}: {e}", path.display())))
}

fn compile_one(ctx: &mut Context, target: &Target) -> Result<CompiledFunc> {
    let name = ctx.func.name.to_string();
    let params = ctx.func.params.clone();
    let compiled = ctx
        .compile(&*target.isa, &mut ControlPlane::default())
        .map_err(|e| CompileError::Codegen(format!("cranelift rejected {name}: {:?}", e.inner)))?;
    // Sorted and disjoint: a binary search finds a trap's source location.
    let srclocs = compiled.buffer.get_srclocs_sorted();
    let wasm_offset = |offset: u32| {
        let i = srclocs.partition_point(|s| s.end <= offset);
        srclocs
            .get(i)
            .filter(|s| s.start <= offset)
            .map_or(u32::MAX, |s| s.loc.bits())
    };
    let mut traps = Vec::new();
    for t in compiled.buffer.traps() {
        let kind = translate::trap_kind(t.code)
            .ok_or_else(|| CompileError::Codegen(format!("unknown trap code {:?}", t.code)))?;
        traps.push((t.offset, wasm_offset(t.offset), kind as u32));
    }
    let stack_maps = compiled
        .buffer
        .user_stack_maps()
        .iter()
        .map(|(return_offset, frame_size, map)| StackMapEntry {
            return_offset: *return_offset,
            frame_size: *frame_size,
            slots: map.entries().map(|(_, offset)| offset).collect(),
        })
        .collect();
    let mut handlers = Vec::new();
    for site in compiled.buffer.call_sites() {
        if site.exception_handlers.is_empty() {
            continue;
        }
        let mut entry = HandlerEntry {
            return_offset: site.ret_addr,
            frame_offset: site.frame_offset.ok_or_else(|| {
                CompileError::Codegen(format!("{name}: a call with handlers has no frame offset"))
            })?,
            vmctx_sp_offset: None,
            catches_traps: false,
            handlers: Vec::new(),
        };
        for h in site.exception_handlers {
            match *h {
                FinalizedMachExceptionHandler::Tag(tag, offset) => {
                    entry.handlers.push((Some(TagIndex(tag.as_u32())), offset));
                }
                FinalizedMachExceptionHandler::Default(offset) => {
                    entry.handlers.push((None, offset))
                }
                FinalizedMachExceptionHandler::Context(ExceptionContextLoc::SPOffset(o)) => {
                    entry.vmctx_sp_offset = Some(o);
                }
                FinalizedMachExceptionHandler::Context(ExceptionContextLoc::GPR(_)) => {
                    return Err(CompileError::Codegen(format!(
                        "{name}: the vm context of a call with handlers is in a register"
                    )));
                }
            }
        }
        // A `try_table` without catch clauses leaves only the context.
        if !entry.handlers.is_empty() {
            handlers.push(entry);
        }
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
        handlers,
        stack_maps,
    })
}

#[allow(clippy::too_many_arguments)]
fn write_artifact(
    wasm: &[u8],
    options: &CompileOptions,
    module: &ModuleInfo,
    target: &Target,
    funcs: &[FuncInfo],
    import_trampolines: &[u32],
    type_trampolines: &[(TypeIndex, u32)],
    traps: &[TrapEntry],
    handlers: &[HandlerEntry],
    stack_maps: &[StackMapEntry],
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
        wasm_features: recorded_features(module),
        opt_level: options.opt_level.cranelift_name(),
        codegen: concat!("cranelift ", "0.135.8"),
        interruption: options.interruption,
        inlining: crate::inline::applied(options.inline, &module.uses),
    };
    let producer = format!("waot {}", env!("CARGO_PKG_VERSION"));
    let contents = ArtifactContents {
        producer: &producer,
        source_sha256: Sha256::digest(wasm).into(),
        build,
        module: &module.meta,
        funcs,
        import_trampolines,
        type_trampolines,
        traps,
        handlers,
        stack_maps: stack_maps.into(),
        text,
    };
    let symbol = match &options.output {
        crate::options::OutputKind::Artifact => None,
        crate::options::OutputKind::Object { symbol } => Some(symbol),
    };
    let write_options = WriteOptions {
        signing_key: options.signing_key.as_ref(),
        detached_text: symbol.is_some(),
        ..WriteOptions::default()
    };
    let written = write_with(&contents, &write_options);
    let Some(symbol) = symbol else {
        return Ok(written);
    };
    let layout = waot_format::symbols::CodeLayout {
        funcs,
        imports: &module.meta.imports,
        import_trampolines,
        type_trampolines,
        names: &module.meta.names,
        text_len: text.len(),
    };
    Ok(waot_format::writer::static_object::static_object(
        &waot_format::writer::static_object::StaticObject {
            target: &target.triple,
            symbol,
            meta: &written,
            text,
            code_symbols: waot_format::symbols::code_symbols(&layout),
        },
    ))
}

/// The wasm feature bits the artifact records: Wasm 2.0 always, each later
/// proposal only when the module uses it, so a waot-run without it refuses
/// exactly those artifacts.
fn recorded_features(module: &ModuleInfo) -> u64 {
    module_info::RECORDED_FEATURES | module.uses.bits()
}
