//! Where a GC object's fields are: the byte layout of structs and arrays
//! that compiled code and the loader's collector share (the header is
//! `vmctx::gc_object`). Every field is little-endian, naturally aligned up
//! to 8 bytes (objects are 8-aligned, so a `v128` field is aligned to 8).

use crate::gc_types::{FieldType, StorageType};
use crate::types::ValType;
use crate::vmctx::gc_object;

/// Bytes a field or element of storage type `s` occupies.
pub fn storage_size(s: StorageType) -> u32 {
    match s {
        StorageType::I8 => 1,
        StorageType::I16 => 2,
        StorageType::Val(ValType::I32 | ValType::F32) => 4,
        StorageType::Val(ValType::V128) => 16,
        // i64, f64 and every reference.
        StorageType::Val(_) => 8,
    }
}

/// A struct type's layout: each field's offset from the object's start,
/// and the object's size (a multiple of 8, the header included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructLayout {
    /// Offset of each field, in declaration order.
    pub offsets: Vec<u32>,
    /// The object's size in bytes.
    pub size: u32,
}

/// The layout of a struct with `fields`: in declaration order after the
/// header, each aligned to its size (at most 8).
pub fn struct_layout(fields: &[FieldType]) -> StructLayout {
    let mut at = gc_object::STRUCT_FIELDS;
    let offsets = fields
        .iter()
        .map(|f| {
            let size = storage_size(f.storage);
            at = at.next_multiple_of(size.min(8));
            let offset = at;
            at += size;
            offset
        })
        .collect();
    StructLayout {
        offsets,
        size: at.next_multiple_of(8),
    }
}

/// The largest array length allocation accepts (more traps with "array
/// too large" before anything is allocated): lengths are `u32`, and an
/// object's size must fit in 32 bits too.
pub const MAX_ARRAY_BYTES: u64 = (1 << 32) - 8;

/// The size of an array of `len` elements of `element` (a multiple of 8,
/// the header and length included); `None` above [`MAX_ARRAY_BYTES`].
pub fn array_size(element: FieldType, len: u32) -> Option<u32> {
    let bytes = u64::from(gc_object::ARRAY_ELEMENTS)
        + u64::from(len) * u64::from(storage_size(element.storage));
    let bytes = bytes.next_multiple_of(8);
    (bytes <= MAX_ARRAY_BYTES).then_some(bytes as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(storage: StorageType) -> FieldType {
        FieldType {
            storage,
            mutable: true,
        }
    }

    #[test]
    fn fields_are_aligned_in_order_and_objects_rounded_to_eight() {
        let layout = struct_layout(&[
            field(StorageType::I8),
            field(StorageType::Val(ValType::I64)),
            field(StorageType::I16),
            field(StorageType::Val(ValType::F32)),
            field(StorageType::Val(ValType::V128)),
            field(StorageType::I8),
        ]);
        assert_eq!(layout.offsets, [8, 16, 24, 28, 32, 48]);
        assert_eq!(layout.size, 56);
        assert_eq!(struct_layout(&[]).size, 8);
    }

    #[test]
    fn array_sizes_round_up_and_stop_at_the_limit() {
        let i8s = field(StorageType::I8);
        assert_eq!(array_size(i8s, 0), Some(16));
        assert_eq!(array_size(i8s, 1), Some(24));
        let refs = field(StorageType::Val(ValType::ExternRef));
        assert_eq!(array_size(refs, 3), Some(40));
        assert_eq!(array_size(refs, u32::MAX), None);
        assert_eq!(array_size(i8s, u32::MAX), None);
        assert_eq!(array_size(i8s, u32::MAX - 23), Some(u32::MAX - 7));
    }
}
