//! Typed function references (Wasm 3.0): `call_ref` and `return_call_ref`
//! through a function reference (null traps with "null function
//! reference"; its type is the static one, so no signature check is
//! needed), `ref.as_non_null` ("null reference"), `br_on_null` and
//! `br_on_non_null`. A typed reference is represented like `funcref`: the
//! address of a function reference record, 0 for null.

use super::{Translator, trap_code};
use crate::error::Result;
use cranelift_codegen::ir::{InstBuilder, condcodes::IntCC};
use waot_format::traps::TrapKind;
use waot_format::types::TypeIndex;
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// Typed-reference operators. Returns false for other operators.
    pub(super) fn typed_ref_operator(&mut self, op: &Operator) -> Result<bool> {
        match *op {
            Operator::CallRef { type_index } => self.call_ref(TypeIndex(type_index), false),
            Operator::ReturnCallRef { type_index } => self.call_ref(TypeIndex(type_index), true),
            Operator::RefAsNonNull => {
                let r = self.pop();
                self.builder
                    .ins()
                    .trapz(r, trap_code(TrapKind::NullReference));
                self.push(r);
            }
            Operator::BrOnNull { relative_depth } => {
                // Branch with the values below the reference; go on with it.
                let r = self.pop();
                let is_null = self.builder.ins().icmp_imm_u(IntCC::Equal, r, 0);
                self.branch_if(is_null, relative_depth as usize);
                self.push(r);
            }
            Operator::BrOnNonNull { relative_depth } => {
                // Branch with the reference on top; go on without it.
                let r = self.pop();
                self.push(r);
                self.branch_if(r, relative_depth as usize);
                self.pop();
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `call_ref`, or `return_call_ref` when `tail`.
    fn call_ref(&mut self, ty: TypeIndex, tail: bool) {
        let fref = self.pop();
        let params = self.env.module.meta.func_type(ty).params.len();
        let args_wasm = self.pop_n(params);
        self.builder
            .ins()
            .trapz(fref, trap_code(TrapKind::NullFunctionReference));
        self.call_func_ref(fref, ty, args_wasm, tail);
    }
}
