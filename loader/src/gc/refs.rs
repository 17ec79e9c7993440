//! The host's view of the `any` and `extern` hierarchies: [`AnyRef`] and
//! [`ExternRef`], one word each as compiled code keeps it
//! (`waot_format::vmctx::gc_ref`), except that a GC object is held through
//! a root ([`super::roots`]), since objects move.

use waot_format::types::HeapType;
use waot_format::vmctx::gc_ref;

/// An `externref`: null, a host value, or (GC) an `anyref` made external
/// by `extern.convert_any`. One word, as compiled code keeps it
/// (`waot_format::vmctx::gc_ref`), except that a GC object is held
/// through a root of this thread ([`crate::RootScope`]), as objects move.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef(pub(crate) u64);

/// An `anyref` (and `eqref`, `i31ref`, a struct or array, …): null, an
/// `i31`, a GC object (rooted, as for [`ExternRef`]) or a host value made
/// internal by `any.convert_extern`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnyRef(pub(crate) u64);

/// What an [`AnyRef`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnyKind {
    /// Null.
    Null,
    /// An `i31`.
    I31,
    /// A host value.
    Host,
    /// A struct.
    Struct,
    /// An array.
    Array,
    /// A GC object whose root scope has ended.
    Released,
}

/// The largest host value an [`ExternRef`] holds: 62 bits (the word's
/// low two bits tag it).
pub const HOST_VALUE_MAX: u64 = (1 << 62) - 1;

/// The low bits of a rooted object's handle (a pattern no word has).
const HANDLE_TAG: u64 = 4;

/// The host value a word holds, if it holds one.
fn host_value(word: u64) -> Option<u64> {
    (word & gc_ref::HOST_MASK == gc_ref::HOST_TAG).then_some(word >> 2)
}

/// Whether `word` is a GC object's address.
fn is_object(word: u64) -> bool {
    word != 0 && word & gc_ref::OBJECT_MASK == 0
}

/// A word as the host holds it: an object through a new root.
fn hold(word: u64) -> u64 {
    if !is_object(word) {
        return word;
    }
    let root = crate::gc::roots::root(word);
    (root.to_bits() << 3) | HANDLE_TAG
}

/// The word a held value stands for now (`None`: a root whose scope
/// ended).
pub(crate) fn word_of(held: u64) -> Option<u64> {
    if held & gc_ref::OBJECT_MASK != HANDLE_TAG {
        return Some(held);
    }
    crate::gc::roots::rooted(crate::gc::roots::HostRoot::from_bits(held >> 3))
}

impl ExternRef {
    /// The null reference.
    pub const NULL: ExternRef = ExternRef(0);

    /// A reference to host value `value`; `None` above [`HOST_VALUE_MAX`].
    pub fn host(value: u64) -> Option<ExternRef> {
        (value <= HOST_VALUE_MAX).then_some(ExternRef((value << 2) | gc_ref::HOST_TAG))
    }

    /// The host value it refers to (none for null or an external `anyref`).
    pub fn host_value(self) -> Option<u64> {
        host_value(self.0)
    }

    /// Whether it is null.
    pub fn is_null(self) -> bool {
        self.0 == 0
    }

    /// `extern.convert_any`: the same reference, external.
    pub fn from_any(r: AnyRef) -> ExternRef {
        ExternRef(r.0)
    }

    /// The reference of `word`, as compiled code keeps it (an object is
    /// rooted).
    pub(crate) fn from_raw(word: u64) -> ExternRef {
        ExternRef(hold(word))
    }

    /// The word compiled code keeps (0 for a released root).
    pub(crate) fn raw(self) -> u64 {
        word_of(self.0).unwrap_or(0)
    }
}

impl AnyRef {
    /// The null reference.
    pub const NULL: AnyRef = AnyRef(0);

    /// `ref.i31`: the low 31 bits of `value`.
    pub fn i31(value: i32) -> AnyRef {
        AnyRef(u64::from(((value as u32) << 1) | gc_ref::I31_TAG as u32))
    }

    /// `i31.get_s`: the `i31` it holds, sign-extended (none for another
    /// reference).
    pub fn i31_signed(self) -> Option<i32> {
        (self.0 & gc_ref::I31_TAG != 0).then_some((self.0 as u32 as i32) >> 1)
    }

    /// `i31.get_u`: the `i31` it holds, zero-extended.
    pub fn i31_unsigned(self) -> Option<u32> {
        (self.0 & gc_ref::I31_TAG != 0).then_some((self.0 as u32) >> 1)
    }

    /// The host value an internalised `externref` holds.
    pub fn host_value(self) -> Option<u64> {
        host_value(self.0)
    }

    /// Whether it is null.
    pub fn is_null(self) -> bool {
        self.0 == 0
    }

    /// What it is: a struct or array is read from its header.
    pub fn kind(self) -> AnyKind {
        if self.0 == 0 {
            return AnyKind::Null;
        }
        if self.i31_signed().is_some() {
            return AnyKind::I31;
        }
        if self.host_value().is_some() {
            return AnyKind::Host;
        }
        match word_of(self.0).filter(|w| is_object(*w)) {
            Some(word) if object_info(word) & waot_format::vmctx::gc_object::ARRAY_BIT != 0 => {
                AnyKind::Array
            }
            Some(_) => AnyKind::Struct,
            None => AnyKind::Released,
        }
    }

    /// `any.convert_extern`: the same reference, internal.
    pub fn from_extern(r: ExternRef) -> AnyRef {
        AnyRef(r.0)
    }

    /// The reference of `word`, as compiled code keeps it (an object is
    /// rooted).
    pub(crate) fn from_raw(word: u64) -> AnyRef {
        AnyRef(hold(word))
    }

    /// The word compiled code keeps (0 for a released root).
    pub(crate) fn raw(self) -> u64 {
        word_of(self.0).unwrap_or(0)
    }

    /// Whether it is a value of heap type `heap` of its hierarchy, null
    /// aside (`None`: a released root).
    pub(crate) fn is_of(self, heap: HeapType) -> Option<bool> {
        let word = word_of(self.0)?;
        let host = host_value(word).is_some();
        let i31 = word & gc_ref::I31_TAG != 0;
        let object = is_object(word);
        let array = object && object_info(word) & waot_format::vmctx::gc_object::ARRAY_BIT != 0;
        Some(match heap {
            HeapType::Any => true,
            HeapType::Eq => !host,
            HeapType::I31 => i31,
            HeapType::Struct => object && !array,
            HeapType::Array => array,
            HeapType::Concrete(id) => {
                object && crate::type_registry::is_subtype(object_type_id(word), id.0)
            }
            _ => false,
        })
    }
}

/// The header flags of the live object at `word`.
fn object_info(word: u64) -> u32 {
    // SAFETY: `word` is a rooted object of a live heap (a heap that goes
    // clears the roots into it), 8-aligned, whose header is its first
    // little-endian `u32`s.
    u32::from_le(unsafe { std::ptr::read(word as *const u32) })
}

/// The canonical type id of the live object at `word`.
fn object_type_id(word: u64) -> u32 {
    let at = word + u64::from(waot_format::vmctx::gc_object::TYPE_ID);
    // SAFETY: as for `object_info`.
    u32::from_le(unsafe { std::ptr::read(at as *const u32) })
}

impl AnyRef {
    /// How it reads in messages and `Debug`: `null`, `i31 N`, `host N`,
    /// `struct`, `array`.
    pub(crate) fn describe(self) -> String {
        match self.kind() {
            AnyKind::I31 => format!("i31 {}", self.i31_signed().unwrap_or(0)),
            AnyKind::Host => format!("host {}", self.host_value().unwrap_or(0)),
            kind => format!("{kind:?}").to_lowercase(),
        }
    }
}

impl std::fmt::Debug for ExternRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExternRef({})", AnyRef(self.0).describe())
    }
}

impl std::fmt::Debug for AnyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AnyRef({})", self.describe())
    }
}
