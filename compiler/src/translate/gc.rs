//! The GC proposal's instructions. waot compiles its types (recursion
//! groups, declared subtypes, struct and array type definitions, and
//! `call_indirect` through a declared supertype); the instructions that
//! make and use GC references are refused by name until the collector
//! exists, so no module that needs them is ever miscompiled.

use super::{Translator, operator_name};
use crate::error::{Result, unsupported};
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// Refuses a GC instruction by name; `false` for any other operator.
    pub(super) fn gc_operator(&mut self, op: &Operator) -> Result<bool> {
        let offset = self.builder.srcloc().bits();
        if is_gc_instruction(op) {
            return unsupported(format!(
                "gc instruction {} (at byte offset {offset:#x}; waot compiles gc types, not yet gc instructions)",
                operator_name(op)
            ));
        }
        if let Operator::RefNull { hty } = op {
            let null = wasmparser::RefType::new(true, *hty)
                .map(|r| crate::module_info::val_type_of(wasmparser::ValType::Ref(r)));
            if let Some(Ok(t)) = null {
                self.env.module.refuse_gc_value(t)?;
            }
        }
        Ok(false)
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
