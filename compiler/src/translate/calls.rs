//! Calls: direct calls to defined functions (PC-relative, resolved by the
//! emitter), calls to imports through the VM context, and builtin calls
//! through the builtin table. None of them leaves a relocation in the text.

use super::exceptions::Callee;
use super::{NAMESPACE_WASM_FUNC, Translator, vmctx_flags};
use crate::error::Result;
use cranelift_codegen::ir::{
    self, AbiParam, ExtFuncData, ExternalName, InstBuilder, Signature, UserExternalName, Value,
};
use waot_format::builtins::{AbiType, Builtin};
use waot_format::types::{DefinedFuncIndex, FuncIndex};
use waot_format::vmctx;
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// `call` and `return_call`. Returns false for other operators.
    pub(super) fn call_operator(&mut self, op: &Operator) -> Result<bool> {
        let (function_index, tail) = match *op {
            Operator::Call { function_index } => (function_index, false),
            Operator::ReturnCall { function_index } => (function_index, true),
            _ => return Ok(false),
        };
        let callee = FuncIndex(function_index);
        let ty = self.env.module.func_type(callee).clone();
        let mut args = vec![self.vmctx, self.vmctx];
        args.extend(self.pop_n(ty.params.len()));
        let result_types = ty.results.clone();
        let callee = if let Some(defined) = self.env.module.space.defined_func(callee) {
            args[0] = self.vmctx;
            Callee::Direct(self.func_ref(defined))
        } else {
            let record = self.env.offsets.func_ref(callee.0) as i32;
            let ptr = self.env.pointer_type();
            let flags = vmctx_flags().with_readonly().with_can_move();
            let code_at = record + vmctx::func_ref::WASM_CALL as i32;
            let vmctx_at = record + vmctx::func_ref::VMCTX as i32;
            let code = self.builder.ins().load(ptr, flags, self.vmctx, code_at);
            args[0] = self.builder.ins().load(ptr, flags, self.vmctx, vmctx_at);
            let sig = self.env.wasm_signature(&ty);
            let sig = self.builder.import_signature(sig);
            Callee::Indirect(sig, code)
        };
        if tail {
            self.emit_tail_call(callee, &args);
        } else {
            let results = self.emit_call(callee, &args, &result_types);
            self.stack.extend(results);
        }
        Ok(true)
    }

    fn func_ref(&mut self, callee: DefinedFuncIndex) -> ir::FuncRef {
        if let Some(f) = self.func_refs.get(&callee) {
            return *f;
        }
        let func_index = self.env.module.space.func_index(callee);
        let sig = self
            .env
            .wasm_signature(self.env.module.func_type(func_index));
        let signature = self.builder.import_signature(sig);
        let name = self
            .builder
            .func
            .declare_imported_user_function(UserExternalName::new(NAMESPACE_WASM_FUNC, callee.0));
        let f = self.builder.import_function(ExtFuncData {
            name: ExternalName::User(name),
            signature,
            colocated: true,
            patchable: false,
        });
        self.func_refs.insert(callee, f);
        f
    }

    /// Calls builtin `b` through the VM context's builtin table.
    pub(super) fn call_builtin(&mut self, b: Builtin, args: &[Value]) -> Vec<Value> {
        let ptr = self.env.pointer_type();
        let sig = match self.builtin_sigs.get(&b) {
            Some(s) => *s,
            None => {
                let (params, results) = b.signature();
                let abi = |t: &AbiType| {
                    AbiParam::new(match t {
                        AbiType::Ptr => ptr,
                        AbiType::I32 => ir::types::I32,
                        AbiType::I64 => ir::types::I64,
                        AbiType::F32 => ir::types::F32,
                        AbiType::F64 => ir::types::F64,
                    })
                };
                let mut sig = Signature::new(self.env.isa.default_call_conv());
                sig.params.extend(params.iter().map(abi));
                sig.returns.extend(results.iter().map(abi));
                let s = self.builder.import_signature(sig);
                self.builtin_sigs.insert(b, s);
                s
            }
        };
        let flags = vmctx_flags().with_readonly().with_can_move();
        let table = self
            .builder
            .ins()
            .load(ptr, flags, self.vmctx, vmctx::BUILTINS as i32);
        let code = self
            .builder
            .ins()
            .load(ptr, flags, table, b.table_offset() as i32);
        let call = self.builder.ins().call_indirect(sig, code, args);
        self.builder.inst_results(call).to_vec()
    }
}
