//! Table limits and table storage: a declared minimum that cannot be had
//! fails instantiation with the numbers (it used to give a table of size
//! 0), the run-time cap applies to the minimum as well as to growth, and a
//! huge table costs memory only where it is touched.

use std::sync::Arc;
use waot_run::{InstantiateError, Module, RunOptions, Val, instance::Instance, linker::Linker};

fn instantiate(module: &Arc<Module>, cap: u64) -> Result<Instance, InstantiateError> {
    let options = RunOptions {
        max_table_elements: cap,
        ..RunOptions::default()
    };
    Instance::new(module.clone(), &Linker::new(), &options)
}

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_declared_minimum_above_the_cap_fails_instantiation_with_the_numbers() {
    let module = waot_testsuite::open_wat(
        r#"(module (table 4294967295 funcref) (func (export "size") (result i32) (table.size)))"#,
    );
    let error = instantiate(&module, waot_run::externs::DEFAULT_TABLE_LIMIT)
        .err()
        .expect("a table of 2^32-1 elements is refused, not shrunk to 0");
    assert!(matches!(error, InstantiateError::Table(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "table needs 4294967295 initial elements but at most 10000000 are allowed (declared max none, run-time limit 10000000)"
    );
}

#[test]
fn the_run_time_cap_applies_to_the_declared_minimum_and_to_growth() {
    let module = waot_testsuite::open_wat(
        r#"(module (table 20 30 funcref)
          (func (export "size") (result i32) (table.size))
          (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))"#,
    );
    let error = instantiate(&module, 10).err().expect("20 > 10");
    assert_eq!(
        error.to_string(),
        "table needs 20 initial elements but at most 10 are allowed (declared max 30, run-time limit 10)"
    );
    let instance = instantiate(&module, 25).unwrap();
    assert_eq!(instance.call("size", &[]).unwrap(), vec![Val::I32(20)]);
    assert_eq!(
        instance.call("grow", &[Val::I32(6)]).unwrap(),
        vec![Val::I32(-1)]
    );
    assert_eq!(
        instance.call("grow", &[Val::I32(5)]).unwrap(),
        vec![Val::I32(20)]
    );
    assert_eq!(instance.call("size", &[]).unwrap(), vec![Val::I32(25)]);
}

#[test]
fn a_huge_table_costs_only_what_is_touched() {
    const ELEMENTS: u64 = 268_435_456; // 2 GiB of 8-byte elements
    let module = waot_testsuite::open_wat(
        r#"(module (table $t 268435456 externref)
          (func (export "size") (result i32) (table.size $t))
          (func (export "set") (param i32 externref) (table.set $t (local.get 0) (local.get 1)))
          (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0)))))"#,
    );
    let before = rss_kb();
    let instance = instantiate(&module, ELEMENTS).unwrap();
    let grown = rss_kb().saturating_sub(before);
    assert!(
        grown < 64 << 10,
        "a 2 GiB table of nulls made the process {grown} kB larger"
    );
    assert_eq!(
        instance.call("size", &[]).unwrap(),
        vec![Val::I32(ELEMENTS as i32)]
    );
    let last = Val::I32((ELEMENTS - 1) as i32);
    assert_eq!(
        instance.call("is_null", &[last]).unwrap(),
        vec![Val::I32(1)]
    );
    instance
        .call(
            "set",
            &[last, Val::ExternRef(waot_run::ExternRef::host(42).unwrap())],
        )
        .unwrap();
    assert_eq!(
        instance.call("is_null", &[last]).unwrap(),
        vec![Val::I32(0)]
    );
    assert_eq!(
        instance.call("is_null", &[Val::I32(0)]).unwrap(),
        vec![Val::I32(1)]
    );
}

#[test]
fn growth_with_a_non_null_value_fills_every_new_element() {
    let module = waot_testsuite::open_wat(
        r#"(module (table $t 1 externref)
          (func (export "grow") (param externref i32) (result i32) (table.grow $t (local.get 0) (local.get 1)))
          (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0)))))"#,
    );
    let instance = instantiate(&module, 100_000).unwrap();
    assert_eq!(
        instance
            .call(
                "grow",
                &[
                    Val::ExternRef(waot_run::ExternRef::host(7).unwrap()),
                    Val::I32(70_000)
                ]
            )
            .unwrap(),
        vec![Val::I32(1)]
    );
    for i in [0, 1, 512, 69_999, 70_000] {
        let expected = if i == 0 { 1 } else { 0 };
        assert_eq!(
            instance.call("is_null", &[Val::I32(i)]).unwrap(),
            vec![Val::I32(expected)],
            "element {i}"
        );
    }
}
