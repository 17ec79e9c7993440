//! The ABI fingerprint: a hash of everything compiled code assumes about the
//! loader (VM context offsets, builtin table, calling conventions, trap
//! codes). The compiler records it; the loader refuses an artifact whose
//! fingerprint differs from its own, so an ABI change that forgot a format
//! version bump still gives a precise error instead of a crash.

use crate::{builtins::Builtin, traps::TrapKind, vmctx};

/// Bumped by hand for ABI changes not visible in the constants below (for
/// example a different argument order in a calling convention).
pub const ABI_REVISION: u32 = 10;

/// Fingerprints of earlier revisions whose code runs unchanged on this
/// loader when it holds no reference of the `any` or `extern` hierarchies
/// (`compat::holds_gc_references`): revision 7 (`ddce5305c3f40cfa`, waot
/// 0.11.0 to 0.18.0) and 8 (`3dd8b755da072a0a`, waot 0.19.0) differ from
/// 9 only in the host value encoding of an `externref` (which code never
/// reads), and in the stack maps and exit records that let the collector
/// find references, which such code has none of.
pub const COMPATIBLE_FINGERPRINTS: [u64; 2] = [0xddce_5305_c3f4_0cfa, 0x3dd8_b755_da07_2a0a];

/// Fingerprints of earlier revisions whose code runs unchanged on this
/// loader, whatever it holds: revision 9 (`5a8f735e46044486`, waot 0.20.0
/// and 0.21.0) reached a defined global through its pointer, which this
/// loader still fills in (pointing at the value slot revision 10 added to
/// the end of the VM context).
pub const FORWARD_COMPATIBLE_FINGERPRINTS: [u64; 1] = [0x5a8f_735e_4604_4486];

/// The description the fingerprint hashes; readable for debugging.
pub fn description() -> String {
    let mut s = format!("waot-abi r{ABI_REVISION};");
    s += "wasm-call: tail(callee_vmctx, caller_vmctx, params…) -> results;";
    s += "array-call: (callee_vmctx, caller_vmctx, values: *mut [16 bytes], count) -> u32 status (0 returned, 1 trapped);";
    s += "traps: unwound by the loader to the handler of the innermost array entry's call, found through frame pointers and the exception table;";
    s += "host errors: the wasm-to-host trampoline traps with host-function-error on status 1;";
    for (name, value) in [
        ("magic", vmctx::MAGIC),
        ("builtins", vmctx::BUILTINS),
        ("runtime_data", vmctx::RUNTIME_DATA),
        // Named for what revision 7 described: code without interruption
        // checks reads only the stack limit, the limits block's first word.
        ("stack_limit_ptr", vmctx::RUNTIME_LIMITS),
        ("type_ids", vmctx::TYPE_IDS_START),
        ("memory_base", vmctx::memory::BASE),
        ("memory_length", vmctx::memory::LENGTH),
        ("table_base", vmctx::table::BASE),
        ("table_length", vmctx::table::LENGTH),
        ("table_element", vmctx::table::ELEMENT_SIZE),
        ("func_ref_wasm_call", vmctx::func_ref::WASM_CALL),
        ("func_ref_array_call", vmctx::func_ref::ARRAY_CALL),
        ("func_ref_vmctx", vmctx::func_ref::VMCTX),
        ("func_ref_type_id", vmctx::func_ref::TYPE_ID),
        ("func_ref_size", vmctx::func_ref::SIZE),
        ("global_slot", vmctx::GLOBAL_SLOT_SIZE),
        ("value_slot", vmctx::VALUE_SLOT_SIZE),
        ("host_ctx_array_call", vmctx::host_ctx::ARRAY_CALL),
        ("exn_tag", vmctx::exn::TAG),
        ("exn_values", vmctx::exn::VALUES),
    ] {
        s += &format!("{name}={value};");
    }
    s += "layout: type_ids[u32], memories[ptr], memory_bases[ptr], tables[ptr], globals[ptr], tags[ptr], func_refs[32], \
          defined_global_values[16] (16-aligned when there are any; a defined global's pointer points to its slot);";
    s += "refs: funcref = *VMFuncRef or 0, externref = anyref word (0 null, (host value << 2) | 2), exnref = *exception or 0;";
    s += "gc roots: every value of the any and extern hierarchies live across a call is in a stack-map slot, reloaded after the call; \
          wasm-to-host trampolines store their frame pointer at limits_last_exit_fp before calling the host;";
    for (name, value) in [
        ("limits_gc_next", vmctx::runtime_limits::GC_NEXT),
        ("limits_gc_limit", vmctx::runtime_limits::GC_LIMIT),
        ("limits_last_exit_fp", vmctx::runtime_limits::LAST_EXIT_FP),
    ] {
        s += &format!("{name}={value};");
    }
    s += "exceptions: try_call handlers by tag with the frame's vmctx as context, payload 0 = exnref; throw = exn_throw then a trap of kind uncaught exception;";
    for b in Builtin::ALL.into_iter().filter(|b| !b.is_gc()) {
        let (params, results) = b.signature();
        s += &format!("builtin {}{:?}->{:?};", b.name(), params, results);
    }
    for t in TrapKind::ALL
        .iter()
        .filter(|t| !INTERRUPTION_TRAPS.contains(t) && !GC_TRAPS.contains(t))
    {
        s += &format!("trap {}={};", t.message(), *t as u32);
    }
    s
}

/// The trap kinds only code with interruption checks raises; they belong
/// to [`interruption_description`], so that adding them left the
/// fingerprint of code without the checks as it was.
const INTERRUPTION_TRAPS: [TrapKind; 2] = [TrapKind::OutOfFuel, TrapKind::Interrupted];

/// The trap kinds only GC code raises; they belong to [`gc_description`].
const GC_TRAPS: [TrapKind; 7] = [
    TrapKind::CastFailure,
    TrapKind::NullI31Reference,
    TrapKind::NullStructReference,
    TrapKind::NullArrayReference,
    TrapKind::ArrayOutOfBounds,
    TrapKind::AllocationTooLarge,
    TrapKind::GcHeapOutOfMemory,
];

/// What code compiled with fuel or epoch checks also assumes (format
/// 2.11): the runtime limits block and the traps. Its fingerprint is
/// recorded in `.waot.interruption`, which only such code has, so code
/// without the checks has the base [`fingerprint`] alone (and, at ABI
/// revision 7, ran on loaders from before the checks existed).
pub fn interruption_description() -> String {
    let mut s = String::from("waot-interruption r1;");
    s += "fuel: i64 consumed counting up from minus the fuel, saved before calls, throws, traps and returns, \
          reloaded after calls and in landing pads; a function entry or loop header traps when it is not negative;";
    s += "epoch: a function entry or loop header traps when the u64 at epoch_ptr, read atomically, is at least the deadline;";
    for (name, value) in [
        ("limits_stack_limit", vmctx::runtime_limits::STACK_LIMIT),
        ("limits_fuel_consumed", vmctx::runtime_limits::FUEL_CONSUMED),
        (
            "limits_epoch_deadline",
            vmctx::runtime_limits::EPOCH_DEADLINE,
        ),
        ("limits_epoch_ptr", vmctx::runtime_limits::EPOCH_PTR),
        // The block's size as interruption code knew it: the GC fields
        // that follow (format 2.17) change nothing it reads.
        ("limits_size", vmctx::runtime_limits::INTERRUPTION_END),
    ] {
        s += &format!("{name}={value};");
    }
    for t in INTERRUPTION_TRAPS {
        s += &format!("trap {}={};", t.message(), t as u32);
    }
    s
}

/// FNV-1a (64-bit) of [`interruption_description`].
pub fn interruption_fingerprint() -> u64 {
    fnv1a(&interruption_description())
}

/// What code of a module with GC types also assumes (format 2.15): the
/// canonical type ids' subtyping, the reference words and object header
/// (format 2.16) and the GC builtins. Its fingerprint is recorded in
/// `.waot.gc-types`, which only such modules have, so other code has the
/// base [`fingerprint`] alone.
pub fn gc_description() -> String {
    let mut s = String::from("waot-gc r3;");
    s += "types: iso-recursive canonical ids, one per type of a registered recursion group; \
          call_indirect through a non-final type calls func_subtype when the ids differ;";
    s += "casts: ref.test, ref.cast and br_on_cast of function, host and exception references: \
          abstract targets test for null, a function type compares the funcref's type id \
          (func_subtype for a non-final type);";
    s += "anyref and externref words: 0 null, (i31 << 1) | 1 with the upper half zero, (host << 2) | 2, \
          else an 8-aligned object; conversions keep the word; ref.eq compares words;";
    s += "objects: bump-allocated from limits_gc_next up to limits_gc_limit, else gc_alloc through a trampoline \
          whose frame record leads to the allocating frame; fields little-endian at gc_layout's offsets \
          (natural alignment up to 8, size rounded to 8), arrays' length at object_array_length and elements \
          from object_array_elements; the header is written by compiled code after allocation;";
    for (name, value) in [
        ("object_info", vmctx::gc_object::INFO),
        ("object_array_bit", vmctx::gc_object::ARRAY_BIT),
        ("object_type_id", vmctx::gc_object::TYPE_ID),
        ("object_struct_fields", vmctx::gc_object::STRUCT_FIELDS),
        ("object_array_length", vmctx::gc_object::ARRAY_LENGTH),
        ("object_array_elements", vmctx::gc_object::ARRAY_ELEMENTS),
    ] {
        s += &format!("{name}={value};");
    }
    for b in Builtin::ALL.into_iter().filter(|b| b.is_gc()) {
        let (params, results) = b.signature();
        s += &format!(
            "builtin {}={}{:?}->{:?};",
            b.name(),
            b.index(),
            params,
            results
        );
    }
    for t in GC_TRAPS {
        s += &format!("trap {}={};", t.message(), t as u32);
    }
    s
}

/// FNV-1a (64-bit) of [`gc_description`].
pub fn gc_fingerprint() -> u64 {
    fnv1a(&gc_description())
}

/// FNV-1a (64-bit) of [`description`].
pub fn fingerprint() -> u64 {
    fnv1a(&description())
}

fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    /// The fingerprint of ABI revision 10, as waot 0.22.0 records it
    /// (defined globals' values in the VM context); revision 9,
    /// `5a8f735e46044486`, was waot 0.20.0 and 0.21.0 (stack maps and exit
    /// records for the collector); revision 8,
    /// `3dd8b755da072a0a`, was waot 0.19.0 (one word for `anyref` and
    /// `externref`, a host value no longer plus one); revision 7,
    /// `ddce5305c3f40cfa`, was waot 0.11.0 to 0.18.0 (the memory bases
    /// copied into the VM context); revision 6,
    /// `ba0281188ee4bef3`, was waot 0.10.0 (trap
    /// kinds 17 and 18 of function references); revision 5,
    /// `3a957f9fbf3049bf`, was waot 0.9.0, with 64-bit memory and table
    /// builtin operands; revision 4, `e5731b871fb94a2e`,
    /// was waot 0.6.0 to 0.8.0; revision 3, `3c550c199735600b`, was waot 0.5.0; revision 2,
    /// `59321c17f4ee83e8`, waot 0.4.0; revision 1, `510de72541986149`,
    /// waot 0.1.0 to 0.3.0).
    /// A refactor of the shared constants must leave it exactly as it is;
    /// a real ABI change updates this value together with a format bump.
    #[test]
    fn fingerprint_is_pinned() {
        assert_eq!(format!("{:016x}", super::fingerprint()), "6ab73bfa5d8cc90d");
        assert_eq!(
            format!("{:016x}", super::FORWARD_COMPATIBLE_FINGERPRINTS[0]),
            "5a8f735e46044486"
        );
        assert_eq!(
            format!("{:016x}", super::COMPATIBLE_FINGERPRINTS[1]),
            "3dd8b755da072a0a"
        );
    }

    /// The GC fingerprint of waot 0.20.0 and 0.21.0 (format 2.17: structs, arrays and
    /// the collector), pinned the same way; waot 0.19.0's was
    /// `6784d9c39e3991ac` (i31 references, casts of the `any` hierarchy)
    /// and 0.18.0's `34a99209f52e7331`.
    #[test]
    fn gc_fingerprint_is_pinned() {
        assert_eq!(
            format!("{:016x}", super::gc_fingerprint()),
            "e600a5cea8ec83f1"
        );
    }

    /// The interruption fingerprint of waot 0.14.0 (format 2.11), pinned
    /// the same way.
    #[test]
    fn interruption_fingerprint_is_pinned() {
        assert_eq!(
            format!("{:016x}", super::interruption_fingerprint()),
            "1ef29c62680c9559"
        );
    }
}
