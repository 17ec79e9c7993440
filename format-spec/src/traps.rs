//! Trap kinds: the codes compiled code records in the trap table and the
//! messages the loader prints, which are the spec test suite's texts.

/// Why wasm execution stopped abnormally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TrapKind {
    /// Call stack exhausted (stack-limit check in a prologue).
    StackOverflow = 1,
    /// Integer overflow (`i32.div_s` of MIN by -1, float-to-int out of range).
    IntegerOverflow = 2,
    /// Out-of-bounds linear memory access.
    MemoryOutOfBounds = 3,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero = 4,
    /// NaN converted to an integer.
    BadConversionToInteger = 5,
    /// The `unreachable` instruction.
    Unreachable = 6,
    /// `call_indirect` signature mismatch.
    IndirectCallTypeMismatch = 7,
    /// `call_indirect` through a null table entry.
    UninitializedElement = 8,
    /// `call_indirect` past the end of the table.
    UndefinedElement = 9,
    /// Out-of-bounds table access.
    TableOutOfBounds = 10,
    /// Call of an import the linker left unresolved on request.
    UnresolvedImport = 11,
    /// A host function reported an error.
    HostError = 12,
    /// `throw_ref` of a null exception reference.
    NullExceptionReference = 13,
    /// A wasm exception no handler caught ended the call from the host.
    /// The trap site of every `throw` has this kind: the loader unwinds
    /// from it to the handler that catches the pending exception.
    UncaughtException = 14,
    /// An atomic access at an address that is not a multiple of its size.
    UnalignedAtomic = 15,
    /// `memory.atomic.wait` on a memory that is not shared.
    ExpectedSharedMemory = 16,
    /// `ref.as_non_null` of a null reference (function references).
    NullReference = 17,
    /// `call_ref` or `return_call_ref` of a null function reference.
    NullFunctionReference = 18,
    /// Code compiled with `--fuel` ran out of fuel (format 2.11).
    OutOfFuel = 19,
    /// Code compiled with `--epoch-interruption` reached its epoch
    /// deadline (format 2.11).
    Interrupted = 20,
    /// `ref.cast` of a reference that is not of the target type (GC,
    /// format 2.15).
    CastFailure = 21,
    /// `i31.get_s` or `i31.get_u` of null (GC, format 2.16).
    NullI31Reference = 22,
    /// `struct.get`/`struct.set` of null (GC, format 2.17).
    NullStructReference = 23,
    /// An array instruction on null (GC, format 2.17).
    NullArrayReference = 24,
    /// An array access outside its length (GC, format 2.17).
    ArrayOutOfBounds = 25,
    /// An array whose size does not fit in 32 bits (GC, format 2.17).
    AllocationTooLarge = 26,
    /// An allocation the GC heap cannot serve within its limit, even
    /// after a collection (GC, format 2.17).
    GcHeapOutOfMemory = 27,
}

impl TrapKind {
    /// Every kind, in code order.
    pub const ALL: [TrapKind; 27] = [
        TrapKind::StackOverflow,
        TrapKind::IntegerOverflow,
        TrapKind::MemoryOutOfBounds,
        TrapKind::IntegerDivisionByZero,
        TrapKind::BadConversionToInteger,
        TrapKind::Unreachable,
        TrapKind::IndirectCallTypeMismatch,
        TrapKind::UninitializedElement,
        TrapKind::UndefinedElement,
        TrapKind::TableOutOfBounds,
        TrapKind::UnresolvedImport,
        TrapKind::HostError,
        TrapKind::NullExceptionReference,
        TrapKind::UncaughtException,
        TrapKind::UnalignedAtomic,
        TrapKind::ExpectedSharedMemory,
        TrapKind::NullReference,
        TrapKind::NullFunctionReference,
        TrapKind::OutOfFuel,
        TrapKind::Interrupted,
        TrapKind::CastFailure,
        TrapKind::NullI31Reference,
        TrapKind::NullStructReference,
        TrapKind::NullArrayReference,
        TrapKind::ArrayOutOfBounds,
        TrapKind::AllocationTooLarge,
        TrapKind::GcHeapOutOfMemory,
    ];

    /// The kind with this code, if any.
    pub fn from_code(code: u32) -> Option<TrapKind> {
        Self::ALL.iter().copied().find(|k| *k as u32 == code)
    }

    /// The message the spec test suite uses for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapKind::StackOverflow => "call stack exhausted",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::IntegerDivisionByZero => "integer divide by zero",
            TrapKind::BadConversionToInteger => "invalid conversion to integer",
            TrapKind::Unreachable => "unreachable",
            TrapKind::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapKind::UninitializedElement => "uninitialized element",
            TrapKind::UndefinedElement => "undefined element",
            TrapKind::TableOutOfBounds => "out of bounds table access",
            TrapKind::UnresolvedImport => "call to unresolved import",
            TrapKind::HostError => "host function error",
            TrapKind::NullExceptionReference => "null exception reference",
            TrapKind::UncaughtException => "uncaught exception",
            TrapKind::UnalignedAtomic => "unaligned atomic",
            TrapKind::ExpectedSharedMemory => "expected shared memory",
            TrapKind::NullReference => "null reference",
            TrapKind::NullFunctionReference => "null function reference",
            TrapKind::OutOfFuel => "all fuel consumed by WebAssembly",
            TrapKind::Interrupted => "interrupted",
            TrapKind::CastFailure => "cast failure",
            TrapKind::NullI31Reference => "null i31 reference",
            TrapKind::NullStructReference => "null structure reference",
            TrapKind::NullArrayReference => "null array reference",
            TrapKind::ArrayOutOfBounds => "out of bounds array access",
            TrapKind::AllocationTooLarge => "allocation too large",
            TrapKind::GcHeapOutOfMemory => "gc heap out of memory",
        }
    }
}

impl std::fmt::Display for TrapKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}
