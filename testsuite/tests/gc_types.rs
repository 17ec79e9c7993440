//! GC types at run time, through the embedding API: a function of a
//! declared subtype is accepted wherever its supertype is expected (host
//! arguments too); an unresolved import of a non-final type gets a
//! stand-in of its own canonical type; host types naming ids no type has
//! are just types nothing matches.

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
