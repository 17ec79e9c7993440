//! The host-to-wasm call path: argument checks, the stack limit of the
//! outermost call, and entering wasm through a function's array entry.

use super::*;

/// The lowest address of this thread's stack, found once per thread (on
/// the main thread glibc reads `/proc/self/maps` for it, which would cost
/// every call from the host tens of microseconds).
fn stack_low() -> Option<usize> {
    thread_local! {
        static LOW: Option<usize> = find_stack_low();
    }
    LOW.with(|low| *low)
}

fn find_stack_low() -> Option<usize> {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread; the
    // attribute object is destroyed after use.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr = std::ptr::null_mut();
        let mut size = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        ok.then_some(addr as usize)
    }
}

/// Calls `f` with `args` from the host: checks the arguments, enters wasm
/// through its array entry with `caller_vmctx` as the calling context
/// (0 for none) and reads the results. The outermost call on `limits`
/// sets its stack limit `max_wasm_stack` bytes below here.
pub(crate) fn call_func(
    f: &Func,
    args: &[Val],
    caller_vmctx: usize,
    limits: &VMRuntimeLimits,
    max_wasm_stack: usize,
) -> Result<Vec<Val>, CallError> {
    let ty = &f.ty;
    if args.iter().any(Val::is_released) {
        return Err(CallError::BadArguments(
            "an anyref or externref whose root scope has ended was passed (a GC object is \
             the host's only within the RootScope it was received in)"
                .into(),
        ));
    }
    if args.len() != ty.params.len() || args.iter().zip(&ty.params).any(|(v, t)| !v.matches(*t)) {
        return Err(CallError::BadArguments(format!(
            "function expects {ty}, got {} argument(s)",
            args.len()
        )));
    }
    if f.func_ref.array_call == 0 {
        return Err(CallError::NoSuchExport(
            "function is not callable from the host".into(),
        ));
    }
    let mut values = vec![ValRaw::default(); ty.params.len().max(ty.results.len()).max(1)];
    for (slot, v) in values.iter_mut().zip(args) {
        *slot = v.to_slot();
    }
    let outermost = limits.stack_limit() == 0;
    if outermost {
        let here = &values as *const _ as usize;
        let low = stack_low().map_or(0, |l| l + 256 * 1024);
        limits.set_stack_limit(here.saturating_sub(max_wasm_stack).max(low));
    }
    // SAFETY: `array_call` is a function reference's array call (an array
    // entry in published text, or a host function's), and `values` has a
    // slot for every parameter and result of its function.
    let result = unsafe {
        traps::call(
            f.func_ref.array_call,
            f.func_ref.vmctx,
            caller_vmctx,
            values.as_mut_ptr(),
            values.len(),
        )
    };
    if outermost {
        limits.set_stack_limit(0);
    }
    result.map_err(CallError::Trap)?;
    Ok(ty
        .results
        .iter()
        .zip(&values)
        .map(|(t, s)| Val::from_slot(*t, s))
        .collect())
}
