//! What the collector needs to know about a GC object's type: its size
//! (or an array's element size) and where it holds references the
//! collector traces (those of the `any` and `extern` hierarchies, whose
//! word may be an object; function and exception references are not).

use waot_format::gc_layout::{storage_size, struct_layout};
use waot_format::gc_types::{CompositeType, FieldType, StorageType, TypeContext};
use waot_format::types::{HeapType, SubType, ValType};

/// The layout of one struct or array type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A struct: its size and the offsets of its traced fields.
    Struct { size: u32, refs: Vec<u32> },
    /// An array: its element size and whether its elements are traced.
    Array { element_size: u32, refs: bool },
}

/// Whether a value of type `t` may hold a GC object's word (of a module
/// whose types `ctx` describes): the `any` and `extern` hierarchies.
pub(crate) fn is_traced(t: ValType, ctx: &impl TypeContext) -> bool {
    t.as_ref()
        .is_some_and(|r| matches!(r.heap.top_in(ctx), HeapType::Any | HeapType::Extern))
}

fn field_is_traced(f: &FieldType, ctx: &impl TypeContext) -> bool {
    matches!(f.storage, StorageType::Val(t) if is_traced(t, ctx))
}

impl Shape {
    /// The shape of `ty` (in the module whose types `ctx` describes);
    /// none for a function type.
    pub(crate) fn of(ty: &SubType, ctx: &impl TypeContext) -> Option<Shape> {
        Some(match &ty.composite {
            CompositeType::Func(_) => return None,
            CompositeType::Struct(fields) => {
                let layout = struct_layout(fields);
                let refs = fields
                    .iter()
                    .zip(&layout.offsets)
                    .filter(|(f, _)| field_is_traced(f, ctx))
                    .map(|(_, &offset)| offset)
                    .collect();
                Shape::Struct {
                    size: layout.size,
                    refs,
                }
            }
            CompositeType::Array(element) => Shape::Array {
                element_size: storage_size(element.storage),
                refs: field_is_traced(element, ctx),
            },
        })
    }
}
