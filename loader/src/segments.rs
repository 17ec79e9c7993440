//! Instantiation's constant expressions and segments, in the Wasm 2.0
//! order: tables' initialisers, element segments (one out of bounds traps;
//! what earlier ones wrote stays), then data segments — or, for a memory
//! with an image (SPEC.md, "Memory images"), the image in their place.

use crate::errors::InstantiateError;
use crate::externs::Global;
use crate::gc::Values;
use crate::instance::InstanceData;
use crate::traps::Trap;
use crate::values::{AnyRef, ExternRef, Val};
use std::rc::Rc;
use waot_format::artifact::Artifact;
use waot_format::traps::TrapKind;
use waot_format::types::*;
use waot_format::vmctx::VMOffsets;

/// Element then data segments, in order, as `table.init`/`memory.init`
/// followed by a drop; declarative segments are dropped.
pub(crate) fn initialize(d: &InstanceData, a: &Artifact) -> Result<(), InstantiateError> {
    // Tables with an initialiser (function references) hold its value
    // everywhere before any segment is copied.
    let imported_tables = a.index_space().tables.imported as usize;
    for (table, init) in &a.module.table_inits {
        let t = &d.tables[imported_tables + *table as usize];
        let value = const_value(init, t.elem(), &d.const_env()).map_err(InstantiateError::Trap)?;
        let value = value.raw_u64();
        // SAFETY: no wasm code runs during instantiation.
        let elements = unsafe { t.elements() };
        elements.fill(value as usize);
    }
    if let Err(e) = apply_elements(d, a) {
        // A pooled memory may have come with its image in place: it
        // must read as zeros, as no data segment was applied.
        for m in &d.memories[a.index_space().memories.imported as usize..] {
            m.discard_image()
                .map_err(|e| InstantiateError::Memory(e.0))?;
        }
        return Err(e);
    }
    // Memory images stand for the active segments of their memories
    // (the writer makes them only when no data segment can trap).
    for (i, _) in a.memory_images.iter().enumerate() {
        let Some(image) = d.module.memory_image(i) else {
            continue;
        };
        let m = &d.memories[image.memory.index()];
        m.apply_image(&image)
            .map_err(|e| InstantiateError::Memory(e.0))?;
    }
    for (i, seg) in a.module.data.iter().enumerate() {
        let Some((memory, offset)) = &seg.active else {
            continue;
        };
        if a.memory_images.iter().any(|image| image.memory == *memory) {
            d.drop_data(i as u32);
            continue;
        }
        let m = &d.memories[memory.index()];
        let offset = index_value(offset, m.memory64(), d)?;
        if !m.in_bounds(offset, seg.bytes.len() as u64) {
            return Err(trap(TrapKind::MemoryOutOfBounds));
        }
        // SAFETY: no wasm code runs during instantiation.
        let bytes = unsafe { m.bytes_mut() };
        bytes[offset as usize..offset as usize + seg.bytes.len()].copy_from_slice(seg.bytes);
        d.drop_data(i as u32);
    }
    Ok(())
}

/// The active element segments, in order; declarative ones dropped.
fn apply_elements(d: &InstanceData, a: &Artifact) -> Result<(), InstantiateError> {
    for (i, seg) in a.module.elements.iter().enumerate() {
        match &seg.mode {
            ElementMode::Passive => {}
            ElementMode::Declarative => d.drop_elements(i as u32),
            ElementMode::Active { table, offset } => {
                let t = &d.tables[table.index()];
                let offset = index_value(offset, t.table64(), d)?;
                let items = d.element_segment(i as u32);
                let end = offset.checked_add(items.len() as u64);
                let Some(end) = end.filter(|&end| end <= t.len()) else {
                    return Err(trap(TrapKind::TableOutOfBounds));
                };
                // SAFETY: no wasm code runs during instantiation.
                let elements = unsafe { t.elements() };
                elements[offset as usize..end as usize].copy_from_slice(&items);
                d.drop_elements(i as u32);
            }
        }
    }
    Ok(())
}

/// A segment offset: an `i64` for a 64-bit table or memory, else an `i32`
/// read as unsigned.
fn index_value(e: &ConstExpr, is64: bool, d: &InstanceData) -> Result<u64, InstantiateError> {
    let env = d.const_env();
    let value = |ty| const_value(e, ty, &env).map_err(InstantiateError::Trap);
    Ok(if is64 {
        value(ValType::I64)?.raw_u64()
    } else {
        u64::from(value(ValType::I32)?.raw_u64() as u32)
    })
}

/// What constant expressions read and where their GC objects go.
pub(crate) struct ConstEnv<'a> {
    /// The globals so far (imported ones, then those already defined).
    pub(crate) globals: &'a [Rc<Global>],
    /// The instance's VM context (`ref.func` is an address in it).
    pub(crate) vmctx: usize,
    /// Its layout.
    pub(crate) offsets: &'a VMOffsets,
    /// The module's types and their canonical ids (GC allocations).
    pub(crate) types: &'a [SubType],
    /// See `types`.
    pub(crate) type_ids: &'a [u32],
    /// The runtime limits block of the instance's placement, whose GC
    /// heap allocations use.
    pub(crate) limits: &'a crate::interrupt::VMRuntimeLimits,
}

/// The value of constant expression `e` of type `ty` (its concrete heap
/// types canonical ids); an allocation may trap.
pub(crate) fn const_value(e: &ConstExpr, ty: ValType, env: &ConstEnv) -> Result<Val, Trap> {
    Ok(match *e {
        ConstExpr::I32(v) => Val::I32(v),
        ConstExpr::I64(v) => Val::I64(v),
        ConstExpr::F32(v) => Val::F32(v),
        ConstExpr::F64(v) => Val::F64(v),
        ConstExpr::GlobalGet(g) => env.globals[g.index()].get(),
        ConstExpr::RefNull => Val::null(ty),
        ConstExpr::RefFunc(f) => Val::FuncRef(crate::values::FuncRef::from_raw(
            env.vmctx + env.offsets.func_ref(f.0) as usize,
        )),
        // Typed as `ty` (a reference's word is the same in any variant).
        ConstExpr::Extended(ref ops) => Val::from_slot(ty, &extended_value(ops, env)?.to_slot()),
        ConstExpr::V128(v) => Val::V128(v),
    })
}

/// Evaluates an extended constant expression (the reader checked its types
/// and that it leaves one value); integer arithmetic wraps, a reference
/// is its word in whichever variant.
fn extended_value(ops: &[ConstOp], env: &ConstEnv) -> Result<Val, Trap> {
    let mut stack: Vec<Val> = Vec::with_capacity(ops.len());
    for op in ops {
        let v = match *op {
            ConstOp::I32(v) => Val::I32(v),
            ConstOp::I64(v) => Val::I64(v),
            ConstOp::F32(v) => Val::F32(v),
            ConstOp::F64(v) => Val::F64(v),
            ConstOp::V128(v) => Val::V128(v),
            ConstOp::RefFunc(f) => Val::FuncRef(crate::values::FuncRef::from_raw(
                env.vmctx + env.offsets.func_ref(f.0) as usize,
            )),
            ConstOp::GlobalGet(g) => env.globals[g.index()].get(),
            ConstOp::I32Arith(a) => match (stack.pop(), stack.pop()) {
                (Some(Val::I32(y)), Some(Val::I32(x))) => Val::I32(match a {
                    ArithOp::Add => x.wrapping_add(y),
                    ArithOp::Sub => x.wrapping_sub(y),
                    ArithOp::Mul => x.wrapping_mul(y),
                }),
                _ => Val::I32(0),
            },
            ConstOp::I64Arith(a) => match (stack.pop(), stack.pop()) {
                (Some(Val::I64(y)), Some(Val::I64(x))) => Val::I64(match a {
                    ArithOp::Add => x.wrapping_add(y),
                    ArithOp::Sub => x.wrapping_sub(y),
                    ArithOp::Mul => x.wrapping_mul(y),
                }),
                _ => Val::I64(0),
            },
            ConstOp::RefNull(_) => Val::AnyRef(AnyRef::NULL),
            ConstOp::RefI31 => match stack.pop() {
                Some(Val::I32(v)) => Val::AnyRef(AnyRef::i31(v)),
                _ => Val::AnyRef(AnyRef::NULL),
            },
            // The same word, in the other hierarchy.
            ConstOp::AnyConvertExtern => {
                Val::AnyRef(AnyRef::from_raw(stack.pop().map_or(0, |v| v.raw_u64())))
            }
            ConstOp::ExternConvertAny => {
                Val::ExternRef(ExternRef::from_raw(stack.pop().map_or(0, |v| v.raw_u64())))
            }
            ConstOp::StructNew(t) | ConstOp::StructNewDefault(t) => {
                let composite = &env.types[t.index()].composite;
                let count = match composite {
                    waot_format::gc_types::CompositeType::Struct(f) => f.len(),
                    _ => 0,
                };
                let fields = match op {
                    ConstOp::StructNew(_) => stack.split_off(stack.len().saturating_sub(count)),
                    _ => Vec::new(),
                };
                allocate(env, t, Values::Each(&fields))?
            }
            ConstOp::ArrayNew(t) | ConstOp::ArrayNewDefault(t) => {
                let len = match stack.pop() {
                    Some(Val::I32(n)) => n as u32 as usize,
                    _ => 0,
                };
                let init = match op {
                    ConstOp::ArrayNew(_) => stack.pop(),
                    _ => None,
                };
                let init = init.unwrap_or(Val::I64(0));
                allocate(env, t, Values::Fill(init, len as u32))?
            }
            ConstOp::ArrayNewFixed(t, n) => {
                let elements = stack.split_off(stack.len().saturating_sub(n as usize));
                allocate(env, t, Values::Each(&elements))?
            }
        };
        stack.push(v);
    }
    Ok(stack.pop().unwrap_or(Val::I32(0)))
}

/// A new struct or array of type `t` holding `values` (zeros when empty
/// for a struct).
fn allocate(env: &ConstEnv, t: TypeIndex, values: Values) -> Result<Val, Trap> {
    let composite = &env.types[t.index()].composite;
    let word = crate::gc::new_object(env.limits, env.type_ids[t.index()], composite, values)
        .map_err(Trap::new)?;
    Ok(Val::AnyRef(AnyRef::from_raw(word)))
}

fn trap(kind: TrapKind) -> InstantiateError {
    InstantiateError::Trap(Trap::new(kind))
}
