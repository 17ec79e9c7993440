//! Tables and references: `call_indirect` with its three checks (bounds,
//! null, signature), `ref.null`, `ref.is_null`, `ref.func`, `table.get`,
//! `table.set`, `table.size`, and the builtin-backed `table.grow`,
//! `table.fill`, `table.copy`, `table.init`, `elem.drop`.
//!
//! A funcref is the address of a function reference record in some VM
//! context (0 for null); an externref is a host value plus one (0 for null).

use super::exceptions::Callee;
use super::{Translator, trap_code, vmctx_flags};
use crate::error::Result;
use cranelift_codegen::ir::{self, InstBuilder, Value, condcodes::IntCC, types};
use waot_format::builtins::Builtin;
use waot_format::traps::TrapKind;
use waot_format::types::{TableIndex, TypeIndex};
use waot_format::vmctx::{func_ref, table};
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// Table and reference operators. Returns false for other operators.
    pub(super) fn table_operator(&mut self, op: &Operator) -> Result<bool> {
        match *op {
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(TypeIndex(type_index), TableIndex(table_index), false),
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(TypeIndex(type_index), TableIndex(table_index), true),
            Operator::RefNull { .. } => {
                let v = self.builder.ins().iconst(self.env.pointer_type(), 0);
                self.push(v);
            }
            Operator::RefIsNull => {
                let r = self.pop();
                let c = self.builder.ins().icmp_imm_u(IntCC::Equal, r, 0);
                let v = self.builder.ins().uextend(types::I32, c);
                self.push(v);
            }
            Operator::RefFunc { function_index } => {
                let offset = self.env.offsets.func_ref(function_index);
                let v = self.builder.ins().iadd_imm_u(self.vmctx, i64::from(offset));
                self.push(v);
            }
            Operator::TableGet { table } => {
                let index = self.pop();
                let addr =
                    self.element_address(TableIndex(table), index, TrapKind::TableOutOfBounds);
                let v = self
                    .builder
                    .ins()
                    .load(self.env.pointer_type(), vmctx_flags(), addr, 0);
                let elem = self.env.module.table_types[table as usize].elem;
                self.track(v, elem);
                self.push(v);
            }
            Operator::TableSet { table } => {
                let value = self.pop();
                let index = self.pop();
                let addr =
                    self.element_address(TableIndex(table), index, TrapKind::TableOutOfBounds);
                self.builder.ins().store(vmctx_flags(), value, addr, 0);
            }
            Operator::TableSize { table } => {
                let def = self.table_definition(TableIndex(table));
                let len =
                    self.builder
                        .ins()
                        .load(types::I64, vmctx_flags(), def, table::LENGTH as i32);
                let v = self.narrow_index(TableIndex(table), len);
                self.push(v);
            }
            Operator::TableGrow { table } => {
                let delta = self.pop();
                let init = self.pop();
                let delta = self.wide_element_index(TableIndex(table), delta);
                let t = self.builder.ins().iconst(types::I32, i64::from(table));
                let vmctx = self.vmctx;
                let old = self.call_builtin(Builtin::TableGrow, &[vmctx, t, init, delta])[0];
                // -1 stays -1 when narrowed.
                let old = self.narrow_index(TableIndex(table), old);
                self.push(old);
            }
            Operator::TableFill { table } => {
                let len = self.pop();
                let value = self.pop();
                let dst = self.pop();
                let dst = self.wide_element_index(TableIndex(table), dst);
                let len = self.wide_element_index(TableIndex(table), len);
                let t = self.builder.ins().iconst(types::I32, i64::from(table));
                let vmctx = self.vmctx;
                self.checked_builtin(
                    Builtin::TableFill,
                    &[vmctx, t, dst, value, len],
                    TrapKind::TableOutOfBounds,
                );
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let (src, len) = self.pop2();
                let dst = self.pop();
                let (dst_t, src_t) = (TableIndex(dst_table), TableIndex(src_table));
                let dst = self.wide_element_index(dst_t, dst);
                let src = self.wide_element_index(src_t, src);
                // The length is 64-bit only when both tables are.
                let len = if self.is_table64(dst_t) && self.is_table64(src_t) {
                    len
                } else {
                    self.builder.ins().uextend(types::I64, len)
                };
                let d = self.builder.ins().iconst(types::I32, i64::from(dst_table));
                let s = self.builder.ins().iconst(types::I32, i64::from(src_table));
                let vmctx = self.vmctx;
                self.checked_builtin(
                    Builtin::TableCopy,
                    &[vmctx, d, s, dst, src, len],
                    TrapKind::TableOutOfBounds,
                );
            }
            Operator::TableInit { elem_index, table } => {
                let (src, len) = self.pop2();
                let dst = self.pop();
                let dst = self.wide_element_index(TableIndex(table), dst);
                let t = self.builder.ins().iconst(types::I32, i64::from(table));
                let seg = self.builder.ins().iconst(types::I32, i64::from(elem_index));
                let vmctx = self.vmctx;
                self.checked_builtin(
                    Builtin::TableInit,
                    &[vmctx, t, seg, dst, src, len],
                    TrapKind::TableOutOfBounds,
                );
            }
            Operator::ElemDrop { elem_index } => {
                let seg = self.builder.ins().iconst(types::I32, i64::from(elem_index));
                let vmctx = self.vmctx;
                self.call_builtin(Builtin::ElemDrop, &[vmctx, seg]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Calls a builtin that returns 0 on success and traps with `kind`
    /// otherwise.
    pub(super) fn checked_builtin(&mut self, b: Builtin, args: &[Value], kind: TrapKind) {
        let status = self.call_builtin(b, args)[0];
        self.builder.ins().trapnz(status, trap_code(kind));
    }

    /// The address of table `t`'s `{ base, length }` record.
    fn table_definition(&mut self, t: TableIndex) -> Value {
        let ptr = self.env.pointer_type();
        let flags = vmctx_flags().with_readonly().with_can_move();
        self.builder
            .ins()
            .load(ptr, flags, self.vmctx, self.env.offsets.table(t.0) as i32)
    }

    /// Whether table `t` is 64-bit indexed (memory64 proposal).
    fn is_table64(&self, t: TableIndex) -> bool {
        self.env.module.table_types[t.index()].table64
    }

    /// An index or length operand of table `t` as a 64-bit value:
    /// zero-extended for a 32-bit table.
    fn wide_element_index(&mut self, t: TableIndex, v: Value) -> Value {
        if self.is_table64(t) {
            v
        } else {
            self.builder.ins().uextend(types::I64, v)
        }
    }

    /// A 64-bit size or result as table `t`'s index type.
    fn narrow_index(&mut self, t: TableIndex, v: Value) -> Value {
        if self.is_table64(t) {
            v
        } else {
            self.builder.ins().ireduce(types::I32, v)
        }
    }

    /// The address of element `index` of table `t`, trapping with `kind`
    /// when it is out of bounds.
    fn element_address(&mut self, t: TableIndex, index: Value, kind: TrapKind) -> Value {
        let def = self.table_definition(t);
        let len = self
            .builder
            .ins()
            .load(types::I64, vmctx_flags(), def, table::LENGTH as i32);
        let index = self.wide_element_index(t, index);
        let oob = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.builder.ins().trapnz(oob, trap_code(kind));
        let base = self.builder.ins().load(
            self.env.pointer_type(),
            vmctx_flags(),
            def,
            table::BASE as i32,
        );
        let offset = self
            .builder
            .ins()
            .imul_imm_u(index, i64::from(table::ELEMENT_SIZE));
        self.builder.ins().iadd(base, offset)
    }

    /// The Cranelift signature of wasm type `ty`, imported into the
    /// function once.
    pub(super) fn signature_ref(&mut self, ty: TypeIndex) -> ir::SigRef {
        if let Some(s) = self.sig_refs.get(&ty) {
            return *s;
        }
        let sig_ty = self.env.module.meta.func_type(ty);
        let s = self
            .builder
            .import_signature(self.env.wasm_signature(sig_ty));
        self.sig_refs.insert(ty, s);
        s
    }

    /// Whether the non-null function reference `fref` is not a function of
    /// type `ty` (`call_indirect`, casts): an `i8`, 0 when its canonical
    /// type id is `ty`'s or, for a `ty` that is not final, when the
    /// registry says it declares `ty` as a supertype (GC; a final type is
    /// nobody's supertype, so one compare decides).
    pub(super) fn func_ref_lacks_type(&mut self, fref: Value, ty: TypeIndex) -> Value {
        let flags = vmctx_flags().with_readonly();
        let actual = self
            .builder
            .ins()
            .load(types::I32, flags, fref, func_ref::TYPE_ID as i32);
        self.type_id_lacks_type(actual, ty)
    }

    /// Whether canonical type id `actual` (a function's or a GC object's)
    /// is not type `ty` nor a declared subtype of it: an `i8`, as
    /// [`Translator::func_ref_lacks_type`].
    pub(super) fn type_id_lacks_type(&mut self, actual: Value, ty: TypeIndex) -> Value {
        let expected = self.builder.ins().load(
            types::I32,
            vmctx_flags().with_readonly().with_can_move(),
            self.vmctx,
            self.env.offsets.type_id(ty.0) as i32,
        );
        let mismatch = self.builder.ins().icmp(IntCC::NotEqual, actual, expected);
        if self.env.module.meta.types[ty.index()].is_final {
            return mismatch;
        }
        let slow = self.builder.create_block();
        let done = self.builder.create_block();
        self.builder.append_block_param(done, types::I8);
        self.builder.set_cold_block(slow);
        let matched = self.builder.ins().iconst(types::I8, 0);
        self.builder
            .ins()
            .brif(mismatch, slow, &[], done, &[matched.into()]);
        self.builder.switch_to_block(slow);
        self.builder.seal_block(slow);
        let vmctx = self.vmctx;
        let subtype = self.call_builtin(Builtin::FuncSubtype, &[vmctx, actual, expected])[0];
        let not_subtype = self.builder.ins().icmp_imm_u(IntCC::Equal, subtype, 0);
        self.builder.ins().jump(done, &[not_subtype.into()]);
        self.builder.switch_to_block(done);
        self.builder.seal_block(done);
        self.builder.block_params(done)[0]
    }

    /// `call_indirect`, or `return_call_indirect` when `tail`.
    fn call_indirect(&mut self, ty: TypeIndex, t: TableIndex, tail: bool) {
        let index = self.pop();
        let params = self.env.module.meta.func_type(ty).params.len();
        let args_wasm = self.pop_n(params);
        let ptr = self.env.pointer_type();
        let addr = self.element_address(t, index, TrapKind::UndefinedElement);
        let fref = self.builder.ins().load(ptr, vmctx_flags(), addr, 0);
        self.builder
            .ins()
            .trapz(fref, trap_code(TrapKind::UninitializedElement));
        let mismatch = self.func_ref_lacks_type(fref, ty);
        self.builder
            .ins()
            .trapnz(mismatch, trap_code(TrapKind::IndirectCallTypeMismatch));
        self.call_func_ref(fref, ty, args_wasm, tail);
    }

    /// Calls (or tail-calls, when `tail`) the function of the non-null
    /// function reference record `fref`, of wasm type `ty`, and pushes its
    /// results.
    pub(super) fn call_func_ref(
        &mut self,
        fref: Value,
        ty: TypeIndex,
        args_wasm: Vec<Value>,
        tail: bool,
    ) {
        let ptr = self.env.pointer_type();
        let flags = vmctx_flags().with_readonly();
        let code = self
            .builder
            .ins()
            .load(ptr, flags, fref, func_ref::WASM_CALL as i32);
        let callee_vmctx = self
            .builder
            .ins()
            .load(ptr, flags, fref, func_ref::VMCTX as i32);
        let sig = self.signature_ref(ty);
        let mut args = vec![callee_vmctx, self.vmctx];
        args.extend(args_wasm);
        if tail {
            self.emit_tail_call(Callee::Indirect(sig, code), &args);
            return;
        }
        let results = self.env.module.meta.func_type(ty).results.clone();
        let results = self.emit_call(Callee::Indirect(sig, code), &args, &results);
        self.stack.extend(results);
    }
}
