//! The GC proposal's instructions. waot compiles its types (recursion
//! groups, declared subtypes, struct and array type definitions, and
//! `call_indirect` through a declared supertype), `i31` references
//! (`ref.i31`, `i31.get_s`/`_u`), `ref.eq`, the conversions between `any`
//! and `extern` (which keep the word, `vmctx::gc_ref`) and the casts
//! (`ref.test`, `ref.cast`, `br_on_cast`, `br_on_cast_fail`) of every
//! hierarchy: a word's tag bits decide the abstract `any` types, an
//! object's header its struct or array type, a function reference's type
//! id its function type (the registry asked about declared subtypes).
//! Structs and arrays are `gc_objects.rs`'s.

use super::{Translator, trap_code, vmctx_flags};
use crate::error::{Result, unsupported};
use cranelift_codegen::ir::{self, InstBuilder, Value, condcodes::IntCC, types};
use waot_format::gc_types::CompositeKind;
use waot_format::traps::TrapKind;
use waot_format::types::{HeapType, RefType, TypeIndex};
use waot_format::vmctx::{gc_object, gc_ref};
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// Casts of the references waot has values for; refuses every other
    /// GC instruction by name. `false` for any other operator.
    pub(super) fn gc_operator(&mut self, op: &Operator) -> Result<bool> {
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
            Operator::RefI31 => {
                // (value << 1) | 1 in the low half, the upper half zero.
                let v = self.pop();
                let shifted = self.builder.ins().ishl_imm_u(v, 1);
                let tagged = self
                    .builder
                    .ins()
                    .bor_imm_u(shifted, gc_ref::I31_TAG as i64);
                let word = self.builder.ins().uextend(types::I64, tagged);
                self.push(word);
            }
            Operator::I31GetS | Operator::I31GetU => {
                let r = self.pop();
                self.builder
                    .ins()
                    .trapz(r, trap_code(TrapKind::NullI31Reference));
                let low = self.builder.ins().ireduce(types::I32, r);
                let v = match op {
                    Operator::I31GetS => self.builder.ins().sshr_imm_u(low, 1),
                    _ => self.builder.ins().ushr_imm_u(low, 1),
                };
                self.push(v);
            }
            Operator::RefEq => {
                let b = self.pop();
                let a = self.pop();
                let eq = self.builder.ins().icmp(IntCC::Equal, a, b);
                let eq = self.widen_to_i32(eq);
                self.push(eq);
            }
            // The same word in the other hierarchy.
            Operator::AnyConvertExtern | Operator::ExternConvertAny => {}
            _ => return self.gc_object_operator(op),
        }
        Ok(true)
    }

    /// The target of a cast.
    fn cast_target(&self, r: Option<wasmparser::RefType>) -> Result<RefType> {
        let Some(r) = r else {
            return unsupported("a cast target type wasmparser cannot pack");
        };
        let t = crate::module_info::val_type_of(wasmparser::ValType::Ref(r))?;
        Ok(t.as_ref().expect("a reference type"))
    }

    /// An `i32`, 1 when reference `r` (0 for null) is a value of type
    /// `target`.
    fn ref_test(&mut self, r: Value, target: RefType) -> Value {
        let nullable = target.nullable;
        let kind = |t: TypeIndex| self.env.module.meta.types[t.index()].kind();
        let t = match target.heap {
            HeapType::Func | HeapType::Extern | HeapType::Exn | HeapType::Any if nullable => {
                self.builder.ins().iconst(types::I32, 1)
            }
            HeapType::Func | HeapType::Extern | HeapType::Exn | HeapType::Any => {
                self.builder.ins().icmp_imm_u(IntCC::NotEqual, r, 0)
            }
            HeapType::Eq => {
                // Anything but a host value (or null, when not nullable).
                let low = self.builder.ins().band_imm_u(r, gc_ref::HOST_MASK as i64);
                let eq =
                    self.builder
                        .ins()
                        .icmp_imm_u(IntCC::NotEqual, low, gc_ref::HOST_TAG as i64);
                self.or_null(r, eq, nullable)
            }
            HeapType::I31 => {
                let bit = self.builder.ins().band_imm_u(r, gc_ref::I31_TAG as i64);
                let i31 = self.builder.ins().icmp_imm_u(IntCC::NotEqual, bit, 0);
                self.or_null(r, i31, nullable)
            }
            HeapType::Struct | HeapType::Array => {
                return self.object_test(r, nullable, ObjectTarget::Kind(target.heap));
            }
            HeapType::Concrete(ty) if kind(ty) != CompositeKind::Func => {
                return self.object_test(r, nullable, ObjectTarget::Type(ty));
            }
            HeapType::Concrete(ty) => {
                return self.when_not_null(r, nullable, |this| {
                    let lacks_type = this.func_ref_lacks_type(r, ty);
                    this.builder.ins().icmp_imm_u(IntCC::Equal, lacks_type, 0)
                });
            }
            // The bottom types hold only null.
            _ if nullable => self.builder.ins().icmp_imm_u(IntCC::Equal, r, 0),
            _ => self.builder.ins().iconst(types::I32, 0),
        };
        self.widen_to_i32(t)
    }

    /// `test`, or (when `nullable`) whether `r` is null or passes it.
    fn or_null(&mut self, r: Value, test: Value, nullable: bool) -> Value {
        let is_null = self.builder.ins().icmp_imm_u(IntCC::Equal, r, 0);
        if nullable {
            self.builder.ins().bor(is_null, test)
        } else {
            let not_null = self.builder.ins().icmp_imm_u(IntCC::NotEqual, r, 0);
            self.builder.ins().band(not_null, test)
        }
    }

    /// An `i32`: `nullable` for null, else what `test` computes (a truth
    /// value) in a block only non-null references reach.
    fn when_not_null(
        &mut self,
        r: Value,
        nullable: bool,
        test: impl FnOnce(&mut Self) -> Value,
    ) -> Value {
        let not_null = self.builder.create_block();
        let done = self.builder.create_block();
        self.builder.append_block_param(done, types::I32);
        let null_answer = self.builder.ins().iconst(types::I32, i64::from(nullable));
        self.builder
            .ins()
            .brif(r, not_null, &[], done, &[null_answer.into()]);
        self.builder.seal_block(not_null);
        self.builder.switch_to_block(not_null);
        let answer = test(self);
        let answer = self.widen_to_i32(answer);
        self.builder.ins().jump(done, &[answer.into()]);
        self.builder.seal_block(done);
        self.builder.switch_to_block(done);
        self.builder.block_params(done)[0]
    }

    /// Whether `r` is a GC object (not null, an `i31` or a host value) of
    /// the struct or array kind, or of a struct or array type.
    fn object_test(&mut self, r: Value, nullable: bool, target: ObjectTarget) -> Value {
        self.when_not_null(r, nullable, |this| {
            let is_object = this.builder.create_block();
            let done = this.builder.create_block();
            this.builder.append_block_param(done, types::I32);
            let tag = this.builder.ins().band_imm_u(r, gc_ref::OBJECT_MASK as i64);
            let no = this.builder.ins().iconst(types::I32, 0);
            this.builder
                .ins()
                .brif(tag, done, &[no.into()], is_object, &[]);
            this.builder.seal_block(is_object);
            this.builder.switch_to_block(is_object);
            let flags = object_header_flags();
            let answer = match target {
                ObjectTarget::Kind(kind) => {
                    let info =
                        this.builder
                            .ins()
                            .load(types::I32, flags, r, gc_object::INFO as i32);
                    let bit = this
                        .builder
                        .ins()
                        .band_imm_u(info, i64::from(gc_object::ARRAY_BIT));
                    let cc = match kind {
                        HeapType::Array => IntCC::NotEqual,
                        _ => IntCC::Equal,
                    };
                    this.builder.ins().icmp_imm_u(cc, bit, 0)
                }
                ObjectTarget::Type(ty) => {
                    let actual =
                        this.builder
                            .ins()
                            .load(types::I32, flags, r, gc_object::TYPE_ID as i32);
                    let lacks = this.type_id_lacks_type(actual, ty);
                    this.builder.ins().icmp_imm_u(IntCC::Equal, lacks, 0)
                }
            };
            let answer = this.widen_to_i32(answer);
            this.builder.ins().jump(done, &[answer.into()]);
            this.builder.seal_block(done);
            this.builder.switch_to_block(done);
            this.builder.block_params(done)[0]
        })
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

/// What [`Translator::object_test`] tests an object for.
#[derive(Clone, Copy)]
enum ObjectTarget {
    /// `struct` or `array`.
    Kind(HeapType),
    /// A struct or array type of the module.
    Type(TypeIndex),
}

/// Memory flags for an object's header: objects are little-endian
/// (`vmctx::gc_object`), and a header never changes.
fn object_header_flags() -> ir::MemFlagsData {
    vmctx_flags()
        .with_endianness(ir::Endianness::Little)
        .with_readonly()
}
