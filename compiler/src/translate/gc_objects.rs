//! GC structs and arrays: allocation (a bump of the pointer in the runtime
//! limits block, and the module's GC trampoline when the space is full),
//! field and element access with their null and bounds checks, and the
//! bulk array instructions (`array.fill` inline; `array.copy`,
//! `array.new_data`/`_elem` and `array.init_data`/`_elem` through
//! builtins once compiled code checked the array's bounds). Objects are
//! laid out by `waot_format::gc_layout`, little-endian like every value
//! slot; every reference loaded from one is tracked for the stack maps.

use super::{Translator, trap_code, vmctx_flags};
use crate::error::Result;
use cranelift_codegen::ir::{
    self, AbiParam, ArgumentPurpose, ExtFuncData, ExternalName, InstBuilder, MemFlagsData,
    Signature, UserExternalName, Value, condcodes::IntCC, types,
};
use cranelift_codegen::isa::CallConv;
use waot_format::builtins::Builtin;
use waot_format::gc_layout::{MAX_ARRAY_BYTES, storage_size, struct_layout};
use waot_format::gc_types::{CompositeType, FieldType, StorageType};
use waot_format::traps::TrapKind;
use waot_format::types::TypeIndex;
use waot_format::vmctx::{self, gc_object};
use wasmparser::Operator;

/// Memory flags for an object's fields: little-endian, never trapping
/// (the reference was checked), and only as aligned as an object (8).
fn field_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_endianness(ir::Endianness::Little)
}

/// How a field is read: its packed width extended as a signed or
/// unsigned `i32`, or its own type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Extend {
    Signed,
    Unsigned,
    None,
}

/// The signature of the module's GC trampoline: `(vmctx, size) ->
/// address`, in the wasm calling convention.
pub(crate) fn gc_trampoline_signature(ptr: ir::Type) -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params
        .push(AbiParam::special(ptr, ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(ptr));
    sig
}

impl Translator<'_, '_> {
    /// The struct and array instructions; `false` for any other operator.
    pub(super) fn gc_object_operator(&mut self, op: &Operator) -> Result<bool> {
        match *op {
            Operator::StructNew { struct_type_index } => {
                let t = TypeIndex(struct_type_index);
                let fields = self.struct_fields(t);
                let values = self.pop_n(fields.len());
                let object = self.new_struct(t);
                let offsets = struct_layout(&fields).offsets;
                for ((f, offset), v) in fields.iter().zip(offsets).zip(values) {
                    self.store_field(f.storage, v, object, offset as i32);
                }
                self.push(object);
            }
            Operator::StructNewDefault { struct_type_index } => {
                // The heap's bytes are not zeroed: every field is written.
                let t = TypeIndex(struct_type_index);
                let fields = self.struct_fields(t);
                let object = self.new_struct(t);
                let offsets = struct_layout(&fields).offsets;
                for (f, offset) in fields.iter().zip(offsets) {
                    let zero = self.zero_of(f.storage);
                    self.store_field(f.storage, zero, object, offset as i32);
                }
                self.push(object);
            }
            Operator::StructGet {
                struct_type_index,
                field_index,
            } => self.struct_get(struct_type_index, field_index, Extend::None),
            Operator::StructGetS {
                struct_type_index,
                field_index,
            } => self.struct_get(struct_type_index, field_index, Extend::Signed),
            Operator::StructGetU {
                struct_type_index,
                field_index,
            } => self.struct_get(struct_type_index, field_index, Extend::Unsigned),
            Operator::StructSet {
                struct_type_index,
                field_index,
            } => {
                let t = TypeIndex(struct_type_index);
                let fields = self.struct_fields(t);
                let offset = struct_layout(&fields).offsets[field_index as usize];
                let v = self.pop();
                let r = self.pop();
                self.trap_if_null(r, TrapKind::NullStructReference);
                self.store_field(fields[field_index as usize].storage, v, r, offset as i32);
            }
            _ => return self.array_operator(op),
        }
        Ok(true)
    }

    fn array_operator(&mut self, op: &Operator) -> Result<bool> {
        match *op {
            Operator::ArrayNew { array_type_index } => {
                let t = TypeIndex(array_type_index);
                let len = self.pop();
                let init = self.pop();
                let array = self.new_array(t, len);
                let zero = self.builder.ins().iconst(types::I32, 0);
                self.fill_elements(t, array, zero, init, len);
                self.push(array);
            }
            Operator::ArrayNewDefault { array_type_index } => {
                let t = TypeIndex(array_type_index);
                let len = self.pop();
                let array = self.new_array(t, len);
                let zero = self.zero_of(self.array_element(t).storage);
                let first = self.builder.ins().iconst(types::I32, 0);
                self.fill_elements(t, array, first, zero, len);
                self.push(array);
            }
            Operator::ArrayNewFixed {
                array_type_index,
                array_size,
            } => {
                let t = TypeIndex(array_type_index);
                let element = self.array_element(t);
                let values = self.pop_n(array_size as usize);
                let len = self.builder.ins().iconst(types::I32, i64::from(array_size));
                let array = self.new_array(t, len);
                let step = storage_size(element.storage);
                for (i, v) in values.into_iter().enumerate() {
                    let offset = gc_object::ARRAY_ELEMENTS + i as u32 * step;
                    self.store_field(element.storage, v, array, offset as i32);
                }
                self.push(array);
            }
            Operator::ArrayNewData {
                array_type_index,
                array_data_index,
            } => self.array_new_from(TypeIndex(array_type_index), array_data_index, true),
            Operator::ArrayNewElem {
                array_type_index,
                array_elem_index,
            } => self.array_new_from(TypeIndex(array_type_index), array_elem_index, false),
            Operator::ArrayGet { array_type_index } => {
                self.array_get(array_type_index, Extend::None)
            }
            Operator::ArrayGetS { array_type_index } => {
                self.array_get(array_type_index, Extend::Signed)
            }
            Operator::ArrayGetU { array_type_index } => {
                self.array_get(array_type_index, Extend::Unsigned)
            }
            Operator::ArraySet { array_type_index } => {
                let t = TypeIndex(array_type_index);
                let v = self.pop();
                let index = self.pop();
                let array = self.pop();
                let one = self.builder.ins().iconst(types::I32, 1);
                let at = self.array_element_address(t, array, index, one);
                self.store_field(self.array_element(t).storage, v, at, 0);
            }
            Operator::ArrayLen => {
                let array = self.pop();
                let len = self.array_len(array);
                self.push(len);
            }
            Operator::ArrayFill { array_type_index } => {
                let t = TypeIndex(array_type_index);
                let n = self.pop();
                let v = self.pop();
                let index = self.pop();
                let array = self.pop();
                self.array_element_address(t, array, index, n);
                self.fill_elements(t, array, index, v, n);
            }
            Operator::ArrayCopy {
                array_type_index_dst,
                array_type_index_src,
            } => {
                let n = self.pop();
                let src_index = self.pop();
                let src = self.pop();
                let dst_index = self.pop();
                let dst = self.pop();
                let (dt, st) = (
                    TypeIndex(array_type_index_dst),
                    TypeIndex(array_type_index_src),
                );
                self.trap_if_null(dst, TrapKind::NullArrayReference);
                self.trap_if_null(src, TrapKind::NullArrayReference);
                self.array_element_address(dt, dst, dst_index, n);
                self.array_element_address(st, src, src_index, n);
                let size = storage_size(self.array_element(dt).storage);
                let size = self.builder.ins().iconst(types::I32, i64::from(size));
                let vmctx = self.vmctx;
                self.call_builtin(
                    Builtin::ArrayCopy,
                    &[vmctx, dst, dst_index, src, src_index, n, size],
                );
            }
            Operator::ArrayInitData {
                array_type_index,
                array_data_index,
            } => self.array_init(TypeIndex(array_type_index), array_data_index, true),
            Operator::ArrayInitElem {
                array_type_index,
                array_elem_index,
            } => self.array_init(TypeIndex(array_type_index), array_elem_index, false),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The fields of struct type `t`.
    fn struct_fields(&self, t: TypeIndex) -> Vec<FieldType> {
        match &self.env.module.meta.types[t.index()].composite {
            CompositeType::Struct(fields) => fields.clone(),
            _ => Vec::new(),
        }
    }

    /// The element type of array type `t`.
    fn array_element(&self, t: TypeIndex) -> FieldType {
        match &self.env.module.meta.types[t.index()].composite {
            CompositeType::Array(e) => *e,
            _ => FieldType {
                storage: StorageType::I8,
                mutable: false,
            },
        }
    }

    fn struct_get(&mut self, t: u32, field: u32, extend: Extend) {
        let fields = self.struct_fields(TypeIndex(t));
        let offset = struct_layout(&fields).offsets[field as usize];
        let r = self.pop();
        self.trap_if_null(r, TrapKind::NullStructReference);
        let v = self.load_field(fields[field as usize].storage, r, offset as i32, extend);
        self.push(v);
    }

    fn array_get(&mut self, t: u32, extend: Extend) {
        let t = TypeIndex(t);
        let index = self.pop();
        let array = self.pop();
        let one = self.builder.ins().iconst(types::I32, 1);
        let at = self.array_element_address(t, array, index, one);
        let v = self.load_field(self.array_element(t).storage, at, 0, extend);
        self.push(v);
    }

    /// The default value of a field of `storage`: zero, or null.
    fn zero_of(&mut self, storage: StorageType) -> Value {
        match storage {
            StorageType::Val(t) => self.zero(t),
            _ => self.builder.ins().iconst(types::I32, 0),
        }
    }

    /// Traps with `kind` when reference `r` is null.
    fn trap_if_null(&mut self, r: Value, kind: TrapKind) {
        self.builder.ins().trapz(r, trap_code(kind));
    }

    /// The length of non-null-checked array `array` (trapping on null).
    fn array_len(&mut self, array: Value) -> Value {
        self.trap_if_null(array, TrapKind::NullArrayReference);
        self.builder.ins().load(
            types::I32,
            field_flags(),
            array,
            gc_object::ARRAY_LENGTH as i32,
        )
    }

    /// The address of element `index` of `array` after checking that
    /// `index + count` elements fit (null: "null array reference";
    /// beyond the length: "out of bounds array access").
    fn array_element_address(
        &mut self,
        t: TypeIndex,
        array: Value,
        index: Value,
        count: Value,
    ) -> Value {
        let len = self.array_len(array);
        let len = self.builder.ins().uextend(types::I64, len);
        let index64 = self.builder.ins().uextend(types::I64, index);
        let count = self.builder.ins().uextend(types::I64, count);
        let end = self.builder.ins().iadd(index64, count);
        let outside = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, end, len);
        self.builder
            .ins()
            .trapnz(outside, trap_code(TrapKind::ArrayOutOfBounds));
        let size = storage_size(self.array_element(t).storage);
        let scaled = self.builder.ins().imul_imm_u(index64, i64::from(size));
        let base = self.builder.ins().iadd(array, scaled);
        self.builder
            .ins()
            .iadd_imm_u(base, i64::from(gc_object::ARRAY_ELEMENTS))
    }

    /// Reads a field of `storage` at `object + offset`, tracking a
    /// reference for the stack maps.
    fn load_field(
        &mut self,
        storage: StorageType,
        object: Value,
        offset: i32,
        extend: Extend,
    ) -> Value {
        let flags = field_flags();
        let ins = self.builder.ins();
        match (storage, extend) {
            (StorageType::I8, Extend::Signed) => ins.sload8(types::I32, flags, object, offset),
            (StorageType::I8, _) => ins.uload8(types::I32, flags, object, offset),
            (StorageType::I16, Extend::Signed) => ins.sload16(types::I32, flags, object, offset),
            (StorageType::I16, _) => ins.uload16(types::I32, flags, object, offset),
            (StorageType::Val(t), _) => {
                let v = ins.load(super::ir_type(t), flags, object, offset);
                self.track(v, t);
                v
            }
        }
    }

    /// Writes `v` into a field of `storage` at `object + offset`.
    fn store_field(&mut self, storage: StorageType, v: Value, object: Value, offset: i32) {
        let flags = field_flags();
        let ins = self.builder.ins();
        match storage {
            StorageType::I8 => ins.istore8(flags, v, object, offset),
            StorageType::I16 => ins.istore16(flags, v, object, offset),
            StorageType::Val(_) => ins.store(flags, v, object, offset),
        };
    }

    /// The canonical type id of type `t` (an `i64`, for a header).
    fn header_of(&mut self, t: TypeIndex, info: u32) -> Value {
        let id = self.builder.ins().load(
            types::I32,
            vmctx_flags().with_readonly().with_can_move(),
            self.vmctx,
            self.env.offsets.type_id(t.0) as i32,
        );
        let id = self.builder.ins().uextend(types::I64, id);
        let high = self.builder.ins().ishl_imm_u(id, 32);
        self.builder.ins().bor_imm_u(high, i64::from(info))
    }

    /// A new struct of type `t`, its header written (its fields are the
    /// caller's to write).
    fn new_struct(&mut self, t: TypeIndex) -> Value {
        let size = struct_layout(&self.struct_fields(t)).size;
        let size = self.builder.ins().iconst(types::I64, i64::from(size));
        let object = self.allocate(size);
        let header = self.header_of(t, 0);
        self.builder.ins().store(field_flags(), header, object, 0);
        object
    }

    /// A new array of type `t` and `len` elements (an `i32`; the caller
    /// writes them),
    /// trapping with "allocation too large" when its size needs more than
    /// 32 bits.
    fn new_array(&mut self, t: TypeIndex, len: Value) -> Value {
        let step = storage_size(self.array_element(t).storage);
        let len64 = self.builder.ins().uextend(types::I64, len);
        let bytes = self.builder.ins().imul_imm_u(len64, i64::from(step));
        let bytes = self
            .builder
            .ins()
            .iadd_imm_u(bytes, i64::from(gc_object::ARRAY_ELEMENTS) + 7);
        let size = self.builder.ins().band_imm_u(bytes, -8i64 as u64 as i64);
        let too_large =
            self.builder
                .ins()
                .icmp_imm_u(IntCC::UnsignedGreaterThan, size, MAX_ARRAY_BYTES as i64);
        self.builder
            .ins()
            .trapnz(too_large, trap_code(TrapKind::AllocationTooLarge));
        let array = self.allocate(size);
        let header = self.header_of(t, gc_object::ARRAY_BIT);
        self.builder.ins().store(field_flags(), header, array, 0);
        self.builder
            .ins()
            .store(field_flags(), len, array, gc_object::ARRAY_LENGTH as i32);
        array
    }

    /// `size` bytes of the GC heap (`size` an `i64` multiple of 8; the
    /// allocating instruction writes every one it reads later):
    /// a bump of the pointer in the runtime limits block, or the GC
    /// trampoline when the space is full ("gc heap out of memory" when
    /// even a collection leaves no room).
    fn allocate(&mut self, size: Value) -> Value {
        let ptr = self.env.pointer_type();
        let flags = vmctx_flags();
        let limits = self.builder.ins().load(
            ptr,
            flags.with_readonly().with_can_move(),
            self.vmctx,
            vmctx::RUNTIME_LIMITS as i32,
        );
        let next =
            self.builder
                .ins()
                .load(ptr, flags, limits, vmctx::runtime_limits::GC_NEXT as i32);
        let limit =
            self.builder
                .ins()
                .load(ptr, flags, limits, vmctx::runtime_limits::GC_LIMIT as i32);
        let end = self.builder.ins().iadd(next, size);
        // A first allocation finds both at 0: `end` is then above the limit.
        let full = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, end, limit);
        let bump = self.builder.create_block();
        let slow = self.builder.create_block();
        let done = self.builder.create_block();
        let object = self.builder.append_block_param(done, ptr);
        self.builder.set_cold_block(slow);
        self.builder.ins().brif(full, slow, &[], bump, &[]);
        self.builder.seal_block(bump);
        self.builder.seal_block(slow);
        self.builder.switch_to_block(bump);
        self.builder
            .ins()
            .store(flags, end, limits, vmctx::runtime_limits::GC_NEXT as i32);
        self.builder.ins().jump(done, &[next.into()]);
        self.builder.switch_to_block(slow);
        let trampoline = self.gc_trampoline();
        let vmctx = self.vmctx;
        let call = self.builder.ins().call(trampoline, &[vmctx, size]);
        let at = self.builder.inst_results(call)[0];
        self.builder
            .ins()
            .trapz(at, trap_code(TrapKind::GcHeapOutOfMemory));
        self.builder.ins().jump(done, &[at.into()]);
        self.builder.seal_block(done);
        self.builder.switch_to_block(done);
        self.builder.declare_value_needs_stack_map(object);
        object
    }

    /// The module's GC trampoline, labelled after every function body.
    fn gc_trampoline(&mut self) -> ir::FuncRef {
        let label = self.env.module.bodies.len() as u32;
        let sig = gc_trampoline_signature(self.env.pointer_type());
        let signature = self.builder.import_signature(sig);
        let name = self
            .builder
            .func
            .declare_imported_user_function(UserExternalName::new(
                super::NAMESPACE_WASM_FUNC,
                label,
            ));
        self.builder.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated: true,
            patchable: false,
        })
    }

    /// Stores `v` into elements `from..from + n` of `array` of type `t`
    /// (bounds already checked).
    fn fill_elements(&mut self, t: TypeIndex, array: Value, from: Value, v: Value, n: Value) {
        let element = self.array_element(t);
        let step = i64::from(storage_size(element.storage));
        let from = self.builder.ins().uextend(types::I64, from);
        let n = self.builder.ins().uextend(types::I64, n);
        let first = self.builder.ins().imul_imm_u(from, step);
        let first = self.builder.ins().iadd(array, first);
        let first = self
            .builder
            .ins()
            .iadd_imm_u(first, i64::from(gc_object::ARRAY_ELEMENTS));
        let bytes = self.builder.ins().imul_imm_u(n, step);
        let end = self.builder.ins().iadd(first, bytes);
        let ptr = self.env.pointer_type();
        let header = self.builder.create_block();
        let body = self.builder.create_block();
        let done = self.builder.create_block();
        let at = self.builder.append_block_param(header, ptr);
        self.builder.ins().jump(header, &[first.into()]);
        self.builder.switch_to_block(header);
        let finished = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, at, end);
        self.builder.ins().brif(finished, done, &[], body, &[]);
        self.builder.seal_block(body);
        self.builder.switch_to_block(body);
        self.store_field(element.storage, v, at, 0);
        let next = self.builder.ins().iadd_imm_u(at, step);
        self.builder.ins().jump(header, &[next.into()]);
        self.builder.seal_block(header);
        self.builder.seal_block(done);
        self.builder.switch_to_block(done);
    }

    /// `array.new_data` (`data`) or `array.new_elem`: the segment's range
    /// is checked first, then the array made and filled.
    fn array_new_from(&mut self, t: TypeIndex, segment: u32, data: bool) {
        let len = self.pop();
        let src = self.pop();
        let null = self.builder.ins().iconst(self.env.pointer_type(), 0);
        let zero = self.builder.ins().iconst(types::I32, 0);
        self.copy_segment(t, null, zero, segment, src, len, data);
        let array = self.new_array(t, len);
        self.copy_segment(t, array, zero, segment, src, len, data);
        self.push(array);
    }

    /// `array.init_data` (`data`) or `array.init_elem`.
    fn array_init(&mut self, t: TypeIndex, segment: u32, data: bool) {
        let n = self.pop();
        let src = self.pop();
        let dst = self.pop();
        let array = self.pop();
        self.array_element_address(t, array, dst, n);
        self.copy_segment(t, array, dst, segment, src, n, data);
    }

    /// Copies `len` items of a data (`data`) or element segment from `src`
    /// into `array` from element `dst` (a null array: checks the segment
    /// only), trapping when the segment is too short.
    #[allow(clippy::too_many_arguments)]
    fn copy_segment(
        &mut self,
        t: TypeIndex,
        array: Value,
        dst: Value,
        segment: u32,
        src: Value,
        len: Value,
        data: bool,
    ) {
        let vmctx = self.vmctx;
        let segment = self.builder.ins().iconst(types::I32, i64::from(segment));
        let (status, kind) = if data {
            let size = storage_size(self.array_element(t).storage);
            let size = self.builder.ins().iconst(types::I32, i64::from(size));
            let args = [vmctx, array, dst, segment, src, len, size];
            let status = self.call_builtin(Builtin::ArrayInitData, &args)[0];
            (status, TrapKind::MemoryOutOfBounds)
        } else {
            let args = [vmctx, array, dst, segment, src, len];
            let status = self.call_builtin(Builtin::ArrayInitElem, &args)[0];
            (status, TrapKind::TableOutOfBounds)
        };
        self.builder.ins().trapnz(status, trap_code(kind));
    }
}

/// Whether the module makes GC objects (has a struct or array type), and
/// so needs the GC trampoline.
pub(crate) fn allocates(types: &[waot_format::types::SubType]) -> bool {
    types.iter().any(|t| t.as_func().is_none())
}
