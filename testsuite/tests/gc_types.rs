//! GC types at run time, through the embedding API: a function of a
//! declared subtype is accepted wherever its supertype is expected (host
//! arguments too); an unresolved import of a non-final type gets a
//! stand-in of its own canonical type; host types naming ids no type has
//! are just types nothing matches; `i31` and host references cross
//! between host functions and wasm both ways, through `any` and `extern`.

use waot_format::types::{FuncType, HeapType, Interruption, TypeIndex, ValType};
use waot_run::exceptions::Tag;
use waot_run::{Engine, Linker, Module, Store, Val};
use waot_testsuite::compile_wat;

const SUBTYPES: &str = r#"(module
  (type $super (sub (func (result i32))))
  (type $sub (sub $super (func (result i32))))
  (type $other (func (result i32)))
  (func $f (type $sub) (i32.const 7))
  (func $g (type $other) (i32.const 8))
  (elem declare func $f $g)
  (func (export "get") (result (ref $sub)) (ref.func $f))
  (func (export "get-other") (result (ref $other)) (ref.func $g))
  (func (export "take") (param (ref $super)) (result i32)
    (call_ref $super (local.get 0))))"#;

/// An engine and the module of `wat`, compiled.
fn open(wat: &str) -> (Engine, Module) {
    let dir = tempfile::tempdir().unwrap();
    let path = compile_wat(dir.path(), "gc_types", wat, Interruption::NONE);
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    (engine, module)
}

#[test]
fn a_host_may_pass_a_function_of_a_subtype_where_its_supertype_is_expected() {
    let (engine, module) = open(SUBTYPES);
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let call = |store: &mut Store<()>, name: &str, args: &[Val]| {
        let f = instance.get_func(&mut *store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut *store, args, &mut out).map(|()| out[0])
    };
    let sub = call(&mut store, "get", &[]).unwrap();
    assert_eq!(call(&mut store, "take", &[sub]).unwrap(), Val::I32(7));
    let other = call(&mut store, "get-other", &[]).unwrap();
    let refused = call(&mut store, "take", &[other]).unwrap_err();
    assert!(
        refused.to_string().contains("(ref "),
        "an unrelated function type is refused: {refused}"
    );
}

const OPEN_IMPORT: &str = r#"(module
  (type $t (sub (func (result i32))))
  (import "env" "missing" (func $m (type $t)))
  (table 1 funcref)
  (elem (i32.const 0) $m)
  (func (export "direct") (result i32) (call $m))
  (func (export "indirect") (result i32) (call_indirect (type $t) (i32.const 0))))"#;

#[test]
fn an_unresolved_import_of_a_non_final_type_links_and_traps_by_name() {
    let (engine, module) = open(OPEN_IMPORT);
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.define_unknown_imports_as_traps(&module).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    for name in ["direct", "indirect"] {
        let f = instance.get_func(&mut store, name).unwrap();
        let mut out = [Val::I32(0)];
        let err = f.call(&mut store, &[], &mut out).unwrap_err().to_string();
        assert!(
            err.contains("unresolved import") && err.contains("env.missing"),
            "{name}: {err}"
        );
    }
}

#[test]
fn host_types_naming_no_canonical_id_match_nothing_and_never_panic() {
    // Ids at and above 2^31 are no canonical ids (a recursion group's key
    // uses that bit for its own members).
    for id in [0x8000_0000u32, 0x8000_0005, u32::MAX] {
        let ty = FuncType {
            params: vec![ValType::reference(false, HeapType::Concrete(TypeIndex(id)))],
            results: vec![],
        };
        let tag = Tag::new(ty.clone(), "host.t");
        assert_eq!(tag.ty, ty);
    }
}

const I31_AND_HOST: &str = r#"(module
  (import "host" "twice" (func $twice (param anyref) (result anyref)))
  (import "host" "wrap" (func $wrap (param externref) (result externref)))
  (func (export "i31") (param i32) (result i32)
    (i31.get_s (ref.cast (ref i31) (call $twice (ref.i31 (local.get 0))))))
  (func (export "internalize") (param externref) (result anyref)
    (any.convert_extern (call $wrap (local.get 0))))
  (func (export "is-eq") (param anyref) (result i32)
    (ref.test (ref eq) (local.get 0))))"#;

#[test]
fn i31_and_host_references_cross_the_host_boundary_both_ways() {
    use waot_run::{AnyRef, ExternRef, HOST_VALUE_MAX};
    let (engine, module) = open(I31_AND_HOST);
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    // A host function doubles the i31 it gets, and hands back the host
    // value it is given plus one.
    linker
        .func_wrap("host", "twice", |r: AnyRef| {
            AnyRef::i31(r.i31_signed().expect("an i31") * 2)
        })
        .unwrap();
    linker
        .func_wrap("host", "wrap", |r: ExternRef| {
            ExternRef::host(r.host_value().expect("a host value") + 1).unwrap()
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let i31 = instance
        .get_typed_func::<i32, i32>(&mut store, "i31")
        .unwrap();
    assert_eq!(i31.call(&mut store, -21).unwrap(), -42);
    // 2^29 doubled leaves 31 bits: the sign bit of an i31.
    assert_eq!(i31.call(&mut store, 1 << 29).unwrap(), -(1 << 30));
    let internalize = instance
        .get_typed_func::<ExternRef, AnyRef>(&mut store, "internalize")
        .unwrap();
    let host = ExternRef::host(HOST_VALUE_MAX - 1).unwrap();
    let inside = internalize.call(&mut store, host).unwrap();
    assert_eq!(inside.host_value(), Some(HOST_VALUE_MAX));
    assert_eq!(inside.i31_signed(), None);
    assert_eq!(
        ExternRef::from_any(inside).host_value(),
        Some(HOST_VALUE_MAX)
    );
    assert!(ExternRef::host(HOST_VALUE_MAX + 1).is_none());
    // A host value inside `any` is not an `eq`; an i31 and null aside.
    let is_eq = instance
        .get_typed_func::<AnyRef, i32>(&mut store, "is-eq")
        .unwrap();
    assert_eq!(is_eq.call(&mut store, inside).unwrap(), 0);
    assert_eq!(is_eq.call(&mut store, AnyRef::i31(5)).unwrap(), 1);
    assert_eq!(is_eq.call(&mut store, AnyRef::NULL).unwrap(), 0);
}
