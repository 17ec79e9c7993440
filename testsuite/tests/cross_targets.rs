//! Every module of the spec suite's SIMD folders that waot compiles for
//! this machine also compiles for every other target waot lists (aarch64,
//! riscv64 with V, s390x, x86_64), in both bounds modes: vector code has a
//! lowering everywhere, without library calls the artifact could not link.
//! The code is not run (no emulator here); the host runs it in `make test`.

use waot::CompileOptions;
use waot_format::types::BoundsStrategy;
use waot_testsuite::spec::{SpecFile, files};
use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastDirective};

fn modules(file: &SpecFile) -> Vec<(usize, Vec<u8>)> {
    let buf = ParseBuffer::new(file.text).unwrap();
    let wast: Wast = parser::parse(&buf).unwrap();
    let mut out = Vec::new();
    for directive in wast.directives {
        if let WastDirective::Module(mut q) = directive {
            let (line, _) = q.span().linecol_in(file.text);
            if let Ok(wasm) = q.encode() {
                out.push((line + 1, wasm));
            }
        }
    }
    out
}

#[test]
fn simd_spec_modules_compile_for_every_target() {
    let host = waot::isa::host_triple();
    let mut compiled = 0;
    let mut problems = Vec::new();
    for file in files()
        .iter()
        .filter(|f| f.set == "simd" || f.set == "relaxed-simd")
    {
        for (line, wasm) in modules(file) {
            if waot::compile(&wasm, &CompileOptions::default()).is_err() {
                continue; // refused on the host too (another proposal)
            }
            for target in waot::isa::TARGETS.map(|t| t.triple) {
                if target == host {
                    continue;
                }
                for bounds in [BoundsStrategy::Guard, BoundsStrategy::Explicit] {
                    let options = CompileOptions {
                        target: Some(target.to_string()),
                        bounds,
                        ..Default::default()
                    };
                    match waot::compile(&wasm, &options) {
                        Ok(_) => compiled += 1,
                        Err(e) => problems.push(format!(
                            "{}/{}:{line} for {target} ({bounds:?}): {e}",
                            file.set, file.name
                        )),
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(compiled > 1000, "only {compiled} compiles");
}
