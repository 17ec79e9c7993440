//! The GC proposal's instructions. waot compiles its types (recursion
//! groups, declared subtypes, struct and array type definitions, and
//! `call_indirect` through a declared supertype) and the casts of the
//! references it has values for: `ref.test`, `ref.cast`, `br_on_cast` and
//! `br_on_cast_fail` of function, host and exception references, whose
//! targets are their hierarchy's abstract type (a null test), its bottom
//! type (only null) or a function type (the function reference's type id,
//! with the registry asked about declared subtypes). The instructions that
//! make and use GC references are refused by name until the collector
//! exists, so no module that needs them is ever miscompiled.

use super::{Translator, operator_name, trap_code};
use crate::error::{Result, unsupported};
use cranelift_codegen::ir::{InstBuilder, Value, condcodes::IntCC, types};
use waot_format::traps::TrapKind;
use waot_format::types::{HeapType, RefType};
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// Casts of the references waot has values for; refuses every other
    /// GC instruction by name. `false` for any other operator.
    pub(super) fn gc_operator(&mut self, op: &Operator) -> Result<bool> {
        let offset = self.builder.srcloc().bits();
        match *op {
            Operator::RefTestNonNull { hty } | Operator::RefTestNullable { hty } => {
                let nullable = matches!(op, Operator::RefTestNullable { .. });
                let target = self.cast_target(wasmparser::RefType::new(nullable, hty))?;
                let r = self.pop();
                let test = self.ref_test(r, target);
                self.push(test);
            }
            Operator::RefCastNonNull { hty } | Operator::RefCastNullable { hty } => {
                let nullable = matches!(op, Operator::RefCastNullable { .. });
                let target = self.cast_target(wasmparser::RefType::new(nullable, hty))?;
                let r = self.pop();
                let test = self.ref_test(r, target);
                self.builder
                    .ins()
                    .trapz(test, trap_code(TrapKind::CastFailure));
                self.push(r);
            }
            Operator::BrOnCast {
                relative_depth,
                to_ref_type,
                ..
            }
            | Operator::BrOnCastFail {
                relative_depth,
                to_ref_type,
                ..
            } => {
                let target = self.cast_target(Some(to_ref_type))?;
                // The reference stays on the stack, branching or not.
                let r = self.pop();
                let test = self.ref_test(r, target);
                let branch = match op {
                    Operator::BrOnCast { .. } => test,
                    _ => self.builder.ins().icmp_imm_u(IntCC::Equal, test, 0),
                };
                self.push(r);
                self.branch_if(branch, relative_depth as usize);
            }
            Operator::RefNull { hty } => {
                // `ref.null` itself is the table family's; a GC heap type
                // is refused here first.
                let null = wasmparser::RefType::new(true, hty)
                    .map(|r| crate::module_info::val_type_of(wasmparser::ValType::Ref(r)));
                if let Some(Ok(t)) = null {
                    self.env.module.refuse_gc_value(t)?;
                }
                return Ok(false);
            }
            _ if is_gc_instruction(op) => {
                return unsupported(format!(
                    "gc instruction {} (at byte offset {offset:#x}; waot compiles gc types \
                     and casts of function, host and exception references, not yet gc references)",
                    operator_name(op)
                ));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The target of a cast, refused when it is a GC reference type (its
    /// operand would be one too).
    fn cast_target(&self, r: Option<wasmparser::RefType>) -> Result<RefType> {
        let Some(r) = r else {
            return unsupported("a cast target type wasmparser cannot pack");
        };
        let t = crate::module_info::val_type_of(wasmparser::ValType::Ref(r))?;
        self.env.module.refuse_gc_value(t)?;
        Ok(t.as_ref().expect("a reference type"))
    }

    /// An `i32`, 1 when reference `r` (a function reference, host value
    /// or exception, 0 for null) is a value of type `target`.
    fn ref_test(&mut self, r: Value, target: RefType) -> Value {
        let nullable = i64::from(target.nullable);
        let t = match target.heap {
            HeapType::Func | HeapType::Extern | HeapType::Exn if target.nullable => {
                self.builder.ins().iconst(types::I32, 1)
            }
            HeapType::Func | HeapType::Extern | HeapType::Exn => {
                self.builder.ins().icmp_imm_u(IntCC::NotEqual, r, 0)
            }
            HeapType::Concrete(ty) => {
                // Null: whether the target is nullable; else its type.
                let not_null = self.builder.create_block();
                let done = self.builder.create_block();
                self.builder.append_block_param(done, types::I32);
                let null_answer = self.builder.ins().iconst(types::I32, nullable);
                self.builder
                    .ins()
                    .brif(r, not_null, &[], done, &[null_answer.into()]);
                self.builder.seal_block(not_null);
                self.builder.switch_to_block(not_null);
                let lacks_type = self.func_ref_lacks_type(r, ty);
                let has_type = self.builder.ins().icmp_imm_u(IntCC::Equal, lacks_type, 0);
                let has_type = self.widen_to_i32(has_type);
                self.builder.ins().jump(done, &[has_type.into()]);
                self.builder.seal_block(done);
                self.builder.switch_to_block(done);
                return self.builder.block_params(done)[0];
            }
            // The bottom types (GC heap types were refused).
            _ if target.nullable => self.builder.ins().icmp_imm_u(IntCC::Equal, r, 0),
            _ => self.builder.ins().iconst(types::I32, 0),
        };
        self.widen_to_i32(t)
    }

    /// A truth value (`i8` from a compare, or `i32`) as an `i32`.
    fn widen_to_i32(&mut self, v: Value) -> Value {
        if self.builder.func.dfg.value_type(v) == types::I32 {
            v
        } else {
            self.builder.ins().uextend(types::I32, v)
        }
    }
}

/// Whether `op` is one of the GC proposal's instructions (prefix `0xfb`).
pub(crate) fn is_gc_instruction(op: &Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        RefEq
            | StructNew { .. }
            | StructNewDefault { .. }
            | StructGet { .. }
            | StructGetS { .. }
            | StructGetU { .. }
            | StructSet { .. }
            | ArrayNew { .. }
            | ArrayNewDefault { .. }
            | ArrayNewFixed { .. }
            | ArrayNewData { .. }
            | ArrayNewElem { .. }
            | ArrayGet { .. }
            | ArrayGetS { .. }
            | ArrayGetU { .. }
            | ArraySet { .. }
            | ArrayLen
            | ArrayFill { .. }
            | ArrayCopy { .. }
            | ArrayInitData { .. }
            | ArrayInitElem { .. }
            | RefTestNonNull { .. }
            | RefTestNullable { .. }
            | RefCastNonNull { .. }
            | RefCastNullable { .. }
            | BrOnCast { .. }
            | BrOnCastFail { .. }
            | AnyConvertExtern
            | ExternConvertAny
            | RefI31
            | I31GetS
            | I31GetU
    )
}
