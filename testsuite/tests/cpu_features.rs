//! The loader's CPU-feature check against a described host: every recorded
//! feature is looked up in `waot_format::cpu`'s table; a known one the host
//! lacks and an unknown one (which no loader can detect) are both refused,
//! each named. Also: riscv64 baseline artifacts record no features, so a
//! riscv64 loader accepts them.

use waot::CompileOptions;
use waot_format::artifact::Artifact;
use waot_format::compat::{HostInfo, check_all, check_cpu_features};
use waot_format::types::{CpuMode, wasm_features};

fn host(target: &str, cpu_features: &[&str]) -> HostInfo {
    HostInfo {
        runner: "waot-run 9.9.9".into(),
        target: target.into(),
        page_size: 4096,
        cpu_features: cpu_features.iter().map(|s| s.to_string()).collect(),
        memory_reservation: 1 << 32,
        memory_guard: 1 << 31,
        wasm_features: wasm_features::WASM2_NO_SIMD,
    }
}

fn artifact_bytes(target: &str) -> Vec<u8> {
    let wasm = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let options = CompileOptions {
        target: Some(target.into()),
        source_name: "src.wasm".into(),
        ..Default::default()
    };
    waot::compile(&wasm, &options).unwrap()
}

#[test]
fn missing_and_unknown_features_are_each_named() {
    let bytes = artifact_bytes("x86_64-unknown-linux-gnu");
    let mut a = Artifact::parse(&bytes).unwrap();
    a.build.cpu_mode = CpuMode::Native;
    a.build.cpu_features = "avx2,avx512vnni,avx_vnni,warp_drive";
    let names = waot_format::compat::Names {
        artifact: "x.aot",
        source: a.build.source_name,
    };
    let h = host("x86_64-unknown-linux-gnu", &["avx2", "avx_vnni"]);
    let m = check_cpu_features(&a, &h, names).expect("refused");
    assert_eq!(m.field, "cpu-features");
    assert!(
        m.problem
            .contains("this CPU lacks: avx512vnni (compiled with --cpu native"),
        "{}",
        m.problem
    );
    assert!(
        m.problem
            .contains("waot-run 9.9.9 cannot detect: warp_drive"),
        "{}",
        m.problem
    );
    assert!(
        m.hint
            .contains("`waot compile src.wasm --cpu baseline -o x.aot`"),
        "{}",
        m.hint
    );
    let all = h.cpu_features.clone();
    let mut h2 = host("x86_64-unknown-linux-gnu", &[]);
    h2.cpu_features = all.into_iter().chain(["avx512vnni".into()]).collect();
    let m = check_cpu_features(&a, &h2, names).expect("still refused");
    assert!(!m.problem.contains("lacks"), "{}", m.problem);
    a.build.cpu_features = "avx2,avx512vnni,avx_vnni";
    assert_eq!(check_cpu_features(&a, &h2, names), None);
}

#[test]
fn baseline_artifacts_run_on_every_architecture_without_cpu_detection() {
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "riscv64gc-unknown-linux-gnu",
        "s390x-unknown-linux-gnu",
    ] {
        let bytes = artifact_bytes(target);
        let a = Artifact::parse(&bytes).unwrap();
        assert_eq!(a.build.cpu_features, "", "{target}");
        let mut h = host(target, &[]);
        h.page_size = u64::from(a.build.text_align);
        let problems = check_all(&a, &h, "x.aot");
        assert!(problems.is_empty(), "{target}: {problems:?}");
    }
}

#[test]
fn a_simd_artifact_on_a_cpu_without_the_simd_baseline_says_so() {
    let wasm = wat::parse_str(
        "(module (func (export \"f\") (param v128) (result v128) (i8x16.swizzle (local.get 0) (local.get 0))))",
    )
    .unwrap();
    let options = CompileOptions {
        target: Some("x86_64-unknown-linux-gnu".into()),
        source_name: "simd.wasm".into(),
        ..Default::default()
    };
    let bytes = waot::compile(&wasm, &options).unwrap();
    let a = Artifact::parse(&bytes).unwrap();
    assert_eq!(a.build.cpu_mode, CpuMode::Baseline);
    assert_eq!(a.build.cpu_features, "sse3,sse41,ssse3");
    let names = waot_format::compat::Names {
        artifact: "simd.aot",
        source: a.build.source_name,
    };
    let old_cpu = host("x86_64-unknown-linux-gnu", &["sse3", "ssse3"]);
    let m = check_cpu_features(&a, &old_cpu, names).expect("refused");
    assert!(
        m.problem
            .contains("it uses CPU features this CPU lacks: sse41 (compiled with --cpu baseline"),
        "{}",
        m.problem
    );
    assert!(
        m.hint.contains("the module uses SIMD")
            && m.hint.contains("needs sse3,ssse3,sse41")
            && !m.hint.contains("--cpu baseline"),
        "{}",
        m.hint
    );
    let new_cpu = host("x86_64-unknown-linux-gnu", &["sse3", "ssse3", "sse41"]);
    assert_eq!(check_cpu_features(&a, &new_cpu, names), None);
}
