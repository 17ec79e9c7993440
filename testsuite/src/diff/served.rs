//! The seeds an oracle server judges ([`oracle_server`]): wasm-smith's
//! modules with exception handling, tail calls and threads against
//! Wasmtime (`--exceptions`), and the legacy exception generator's
//! ([`legacy`]) against V8 (`--legacy-exceptions`); and the replay of their
//! divergence files. `mod.rs` runs wasmi's seeds in-process.

use super::generate::{self, Call, calls_for};
use super::oracle::{Engine, Outcome, State, Waot};
use super::oracle_server::{Served, Server, digested};
use super::{
    DiffMode, DiffOptions, OracleView, Totals, Verdict, compare_engines, legacy, write_divergence,
};
use anyhow::{Result, bail};
use std::path::Path;
use waot_format::traps::TrapKind;

/// Starts the server that judges `mode`'s modules.
pub(super) fn start(mode: DiffMode) -> Result<Server> {
    match mode {
        DiffMode::LegacyExceptions => Server::v8(),
        _ => Server::wasmtime(),
    }
}

/// The stem of `mode`'s divergence files (`legacy-seed-N`), by which
/// [`mode_of_file`] knows them again.
fn stem(mode: DiffMode, seed: u64) -> String {
    match mode {
        DiffMode::LegacyExceptions => format!("legacy-seed-{seed}"),
        DiffMode::Gc => format!("gc-seed-{seed}"),
        _ => format!("exceptions-seed-{seed}"),
    }
}

/// The served mode a divergence file was written by, from its name.
pub(super) fn mode_of_file(path: &Path) -> Option<DiffMode> {
    let name = path.file_name()?.to_str()?;
    if name.starts_with("legacy-seed-") {
        Some(DiffMode::LegacyExceptions)
    } else if name.starts_with("gc-seed-") {
        Some(DiffMode::Gc)
    } else if name.starts_with("exceptions-seed-") {
        Some(DiffMode::Exceptions)
    } else {
        None
    }
}

/// Checks one seed of a served mode (no mutations: validation is compared
/// on the Wasm 2.0 runs).
pub(super) fn check_seed(
    seed: u64,
    options: &DiffOptions,
    dir: &Path,
    server: &mut Server,
) -> Result<Totals> {
    let mode = options.mode;
    let wasm = match mode {
        DiffMode::LegacyExceptions => legacy::generate(seed),
        DiffMode::Gc => generate::generate_gc(seed)?,
        _ => generate::generate_with(seed, true)?,
    };
    let mut counts = (0, 0);
    let compared = compare(&wasm, None, seed, dir, server, mode, &mut counts);
    let (verdict, calls) = match compared {
        Ok(v) => v,
        Err(e) => {
            write_divergence(
                &options.out,
                &stem(mode, seed),
                &wasm,
                &[],
                &format!("{e:#}"),
            )?;
            return Err(e);
        }
    };
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    match verdict {
        Verdict::Same => passed += 1,
        Verdict::Inconclusive(_) => skipped += 1,
        Verdict::Diverged(d) => {
            failed += 1;
            let path = write_divergence(&options.out, &stem(mode, seed), &wasm, &calls, &d.why)?;
            println!(
                "DIVERGENCE seed {seed} (against {}): {}\n  written to {}",
                mode.oracle(),
                d.why,
                path.display()
            );
        }
    }
    let throws = match mode {
        DiffMode::LegacyExceptions => 1,
        DiffMode::Gc => u64::from(has_gc_types(&wasm)),
        _ => u64::from(uses_exception_instructions(&wasm)),
    };
    Ok(Totals::of_seed(
        (passed, failed, skipped),
        counts,
        &wasm,
        throws,
    ))
}

/// Runs `calls` (or the seed's generated ones) of `wasm` on waot and on the
/// server's engine and compares them. An engine that cannot instantiate a
/// legacy module (valid by construction, no start function) is an error.
fn compare(
    wasm: &[u8],
    calls: Option<&[Call]>,
    seed: u64,
    dir: &Path,
    server: &mut Server,
    mode: DiffMode,
    counts: &mut (u64, u64),
) -> Result<(Verdict, Vec<Call>)> {
    let wasm_path = dir.join("oracle.wasm");
    std::fs::write(&wasm_path, wasm)?;
    let waot = Waot::new(wasm, dir, None)?;
    // Wasmtime's Python API aborts on `exnref` and typed reference types
    // and values: such exports are left out on both sides.
    let skip = match mode {
        DiffMode::Exceptions | DiffMode::Gc => super::oracle::opaque_exports(wasm),
        _ => Vec::new(),
    };
    let oracle = Served::new(server, &wasm_path, None, &skip);
    if mode == DiffMode::LegacyExceptions {
        for (engine, refusal) in [("waot", waot.as_ref().err()), ("v8", oracle.as_ref().err())] {
            if let Some(outcome) = refusal {
                bail!("{engine} did not instantiate the module: {outcome:?}");
            }
        }
    }
    let calls: Vec<Call> = match (calls, &waot) {
        (Some(calls), _) => calls.to_vec(),
        (None, Ok(w)) => {
            let mut functions = w.functions();
            functions.retain(|(name, _)| !skip.contains(name));
            calls_for(&functions, seed)
        }
        (None, Err(_)) => Vec::new(),
    };
    let reduce = |state: State| {
        let mut state = digested(state);
        state.globals.retain(|(name, _)| !skip.contains(name));
        state
    };
    // V8 gives a null entry and a signature mismatch one message.
    let reduce_outcome = |o: Outcome| match (mode, o) {
        (DiffMode::LegacyExceptions, Outcome::Trap(TrapKind::UninitializedElement)) => {
            Outcome::Trap(TrapKind::IndirectCallTypeMismatch)
        }
        (_, o) => o,
    };
    let view = OracleView {
        name: mode.oracle(),
        skip: &skip,
        reduce: &reduce,
        reduce_outcome: &reduce_outcome,
    };
    compare_engines(waot, oracle, Some(&calls), seed, counts, &view)
}

/// Replays a served mode's divergence file with its `.calls`; whether the
/// engines now agree.
pub(super) fn replay(wasm: &[u8], calls: &[Call], mode: DiffMode) -> Result<bool> {
    let dir = tempfile::tempdir()?;
    let mut server = start(mode)?;
    let calls = (!calls.is_empty()).then_some(calls);
    let (verdict, _) = compare(wasm, calls, 0, dir.path(), &mut server, mode, &mut (0, 0))?;
    match &verdict {
        Verdict::Same => println!("same behaviour in waot and {}", mode.oracle()),
        Verdict::Inconclusive(why) => println!("inconclusive: {why}"),
        Verdict::Diverged(d) => println!("divergence from {}: {}", mode.oracle(), d.why),
    }
    Ok(!matches!(verdict, Verdict::Diverged(_)))
}

/// Whether the type section of `wasm` needs GC: a recursion group of
/// several types, a declared supertype or a type that is not final, a
/// struct or array type.
fn has_gc_types(wasm: &[u8]) -> bool {
    use wasmparser::{Parser, Payload};
    Parser::new(0).parse_all(wasm).any(|p| match p {
        Ok(Payload::TypeSection(reader)) => reader.into_iter().any(|g| {
            g.is_ok_and(|g| {
                g.types().len() != 1
                    || g.types().any(|t| {
                        !t.is_final
                            || !t.supertype_idxs.is_empty()
                            || !matches!(
                                t.composite_type.inner,
                                wasmparser::CompositeInnerType::Func(_)
                            )
                    })
            })
        }),
        _ => false,
    })
}

/// Whether some function of `wasm` throws or catches.
fn uses_exception_instructions(wasm: &[u8]) -> bool {
    use wasmparser::{Operator, Parser, Payload};
    Parser::new(0).parse_all(wasm).any(|p| match p {
        Ok(Payload::CodeSectionEntry(body)) => body.get_operators_reader().is_ok_and(|r| {
            r.into_iter().any(|op| {
                matches!(
                    op,
                    Ok(Operator::TryTable { .. } | Operator::Throw { .. } | Operator::ThrowRef)
                )
            })
        }),
        _ => false,
    })
}
