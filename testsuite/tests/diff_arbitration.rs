//! The differential tester's fourth opinion, Wasmtime through its Python
//! API (`diff/wasmtime-oracle.py`): values cross it bit for bit (`v128`,
//! NaN payloads), a divergence it confirms for waot is the oracle's, and
//! one it cannot judge is undecided, never a waot failure.

use waot_testsuite::diff::oracle::{Engine, Outcome, Value};
use waot_testsuite::diff::oracle_server::{Served, Server};
use waot_testsuite::diff::{Arbitration, Divergence, Verdict, arbitrate, compare, read_calls};
use waot_testsuite::testsuite_dir;

/// Found from a fresh seed range (issue 21): the module has a 64-bit
/// memory (V8 cannot load it) and its functions return `v128`, which the
/// Python binding could not read, so nobody decided and the tester
/// reported wasmi's spurious "integer divide by zero" (its select/eqz
/// fusion) as a waot divergence. Replayed with Wasmtime, call 4 returns
/// what waot returns.
#[test]
fn regression_seed_778537_v128_divergence_is_wasmis() {
    let path = testsuite_dir().join("diff/regressions/seed-778537-wasmi-v128.wasm");
    let wasm = std::fs::read(&path).unwrap();
    let calls = read_calls(&path.with_extension("calls")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (verdict, ran) = compare(&wasm, Some(&calls), 0, dir.path(), None).unwrap();
    let Verdict::Diverged(d) = verdict else {
        panic!("wasmi no longer diverges on seed 778537: {verdict:?}");
    };
    assert!(d.why.starts_with("call 4 \"5\""), "{}", d.why);
    assert!(
        d.why.contains("wasmi Trap(IntegerDivisionByZero)"),
        "{}",
        d.why
    );
    assert!(matches!(&d.outcome, Outcome::Values(v) if matches!(v[0], Value::V128(_))));
    assert_eq!(
        arbitrate(&wasm, &ran, 0, dir.path(), &d),
        Arbitration::AgreesWithWaot
    );
}

#[test]
fn wasmtime_oracle_passes_and_reads_v128_and_nan_bits_exactly() {
    let wasm = wat::parse_str(
        r#"(module
          (global (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
          (global (export "h") f32 (f32.const nan:0x200001))
          (func (export "f") (param v128 f32 f64) (result f64 v128 f32)
            local.get 2 local.get 0 local.get 1)
          (func (export "s") (param v128) (result i32) (i32x4.extract_lane 3 (local.get 0))))"#,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.wasm");
    std::fs::write(&path, wasm).unwrap();
    let mut server = Server::wasmtime().expect("the wasmtime Python package (make deps)");
    let mut oracle = Served::new(&mut server, &path, None, &[]).unwrap();
    let v = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100_u128;
    let (snan32, snan64) = (0x7f80_0001_u32, 0xfff0_0000_0000_0002_u64);
    assert_eq!(
        oracle.call(
            "f",
            &[Value::V128(v), Value::F32(snan32), Value::F64(snan64)]
        ),
        Outcome::Values(vec![Value::F64(snan64), Value::V128(v), Value::F32(snan32)])
    );
    assert_eq!(
        oracle.call("s", &[Value::V128(v)]),
        Outcome::Values(vec![Value::I32(0x0f0e_0d0c)])
    );
    let state = oracle.state();
    assert_eq!(
        state.globals,
        vec![
            (
                "g".to_string(),
                Value::V128(0x4_0000_0003_0000_0002_0000_0001)
            ),
            ("h".to_string(), Value::F32(0x7fa0_0001)),
        ]
    );
}

/// A module the Python binding cannot list (an `exnref` parameter aborts
/// it) is undecided, not a divergence blamed on waot.
#[test]
fn a_divergence_wasmtime_cannot_judge_is_undecided() {
    let wasm = wat::parse_str(r#"(module (func (export "f") (param exnref)))"#).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = Divergence {
        why: "call 0 \"f\": made up".into(),
        calls: 0,
        outcome: Outcome::Values(vec![]),
        state: None,
        oracle_failed: false,
    };
    match arbitrate(&wasm, &[], 0, dir.path(), &d) {
        Arbitration::Undecided(why) => assert!(why.contains("instantiation"), "{why}"),
        other => panic!("expected undecided, got {other:?}"),
    }
}

/// The arbitration is a real check: where Wasmtime observes something
/// else, it disagrees. Relaxed SIMD lets engines differ: waot's documented
/// `i8x16.relaxed_swizzle` gives 0 for an index of 16 or more, Wasmtime on
/// x86-64 (`pshufb`) picks lane `index % 16`.
#[test]
fn arbitration_disagrees_where_wasmtime_sees_another_outcome() {
    let wasm = wat::parse_str(
        r#"(module (func (export "f") (result i32)
          (i8x16.extract_lane_u 0 (i8x16.relaxed_swizzle
            (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25)
            (v128.const i8x16 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)))))"#,
    )
    .unwrap();
    if !std::env::consts::ARCH.starts_with("x86") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let calls = vec![waot_testsuite::diff::Call {
        name: "f".into(),
        args: vec![],
    }];
    let d = Divergence {
        why: "call 0 \"f\": made up".into(),
        calls: 1,
        outcome: Outcome::Values(vec![Value::I32(0)]),
        state: None,
        oracle_failed: false,
    };
    match arbitrate(&wasm, &calls, 0, dir.path(), &d) {
        Arbitration::Disagrees(why) => assert!(why.contains("wasmtime Values([I32(11)])"), "{why}"),
        other => panic!("expected a disagreement, got {other:?}"),
    }
}
