//! Items a host makes in a store and instances made from positional
//! imports — `Func::new`, `Memory::new`, `Global::new`, `Table::new`,
//! `Instance::new`, `Linker::get` — and what a module says it imports and
//! exports (`Module::imports`, `Module::exports`): the Rust side of the C
//! API.

use waot_format::types::{FuncType, Interruption, MemoryDesc, TableDesc, ValType};
use waot_run::{
    Engine, Extern, ExternType, Func, Global, Instance, Memory, Module, Store, Table, Val,
};
use waot_testsuite::compile_wat as artifact;

const GUEST: &str = r#"(module
  (import "env" "double" (func $double (param i32) (result i32)))
  (import "env" "memory" (memory 1 2))
  (import "env" "base" (global $base i32))
  (import "env" "table" (table 2 funcref))
  (global (export "counter") (mut i64) (i64.const 5))
  (func $f (export "run") (param i32) (result i32)
    (i32.add (call $double (local.get 0)) (global.get $base)))
  (func (export "peek") (result i32) (i32.load8_u (i32.const 3)))
  (func (export "call_slot") (param i32) (param i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 1) (local.get 0)))
  (elem (i32.const 0) $f)
  (export "mem" (memory 0)))"#;

fn i32_to_i32() -> FuncType {
    FuncType {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    }
}

#[test]
fn positional_imports_and_host_items() {
    let engine = Engine::default();
    let dir = tempfile::tempdir().unwrap();
    let path = artifact(dir.path(), "guest", GUEST, Interruption::NONE);
    let module = Module::from_file(&engine, path).unwrap();
    let imports: Vec<_> = module
        .imports()
        .iter()
        .map(|i| (i.module, i.name, i.ty.clone()))
        .collect();
    assert_eq!(imports.len(), 4);
    assert_eq!(imports[0].2, ExternType::Func(i32_to_i32()));
    assert!(
        matches!(imports[1].2, ExternType::Memory(m) if m.min_pages == 1 && m.max_pages == Some(2))
    );
    let exports: Vec<_> = module
        .exports()
        .iter()
        .map(|e| e.name.to_string())
        .collect();
    assert_eq!(exports, ["counter", "run", "peek", "call_slot", "mem"]);
    assert!(
        matches!(module.exports()[4].ty, ExternType::Memory(_)),
        "an imported memory re-exported keeps its type"
    );

    let mut store = Store::new(&engine, 0u32);
    let double = Func::new(&mut store, i32_to_i32(), |mut caller, args, results| {
        *caller.data_mut() += 1;
        let Val::I32(n) = args[0] else { unreachable!() };
        results[0] = Val::I32(n * 2);
        Ok(())
    });
    let desc = MemoryDesc {
        min_pages: 1,
        max_pages: Some(2),
        page_limit: None,
        shared: false,
        memory64: false,
    };
    let memory = Memory::new(&mut store, desc).unwrap();
    memory.data_mut(&mut store)[3] = 42;
    let base = Global::new(&mut store, ValType::I32, false, Val::I32(100)).unwrap();
    let table_desc = TableDesc {
        elem: ValType::FuncRef,
        min: 2,
        max: None,
        table64: false,
    };
    let table = Table::new(
        &mut store,
        table_desc,
        Val::FuncRef(waot_run::FuncRef::NULL),
    )
    .unwrap();
    let items = [
        Extern::Func(double),
        Extern::Memory(memory),
        Extern::Global(base),
        Extern::Table(table),
    ];

    // The wrong number of imports, or an import of the wrong type, is refused.
    assert!(Instance::new(&mut store, &module, &items[..3]).is_err());
    let swapped = [items[1], items[0], items[2], items[3]];
    assert!(Instance::new(&mut store, &module, &swapped).is_err());

    let instance = Instance::new(&mut store, &module, &items).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, 21).unwrap(), 142);
    assert_eq!(*store.data(), 1, "the host function saw its store's data");
    let peek = instance
        .get_typed_func::<(), i32>(&mut store, "peek")
        .unwrap();
    assert_eq!(
        peek.call(&mut store, ()).unwrap(),
        42,
        "the module uses the host's memory"
    );
    assert!(memory.grow(&mut store, 1).is_ok());
    assert!(
        memory.grow(&mut store, 1).is_err(),
        "the declared maximum holds"
    );

    // funcref values: an export's reference round-trips; the element
    // segment put `run` in the host's table.
    let run_func = instance.get_func(&mut store, "run").unwrap();
    let r = run_func.func_ref(&mut store).unwrap();
    assert_eq!(table.get(&mut store, 0), Some(Val::FuncRef(r)));
    let back = Func::from_func_ref(&mut store, r).unwrap();
    assert_eq!(back.func_ref(&mut store).unwrap(), r);
    table.set(&mut store, 1, Val::FuncRef(r)).unwrap();
    let call_slot = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "call_slot")
        .unwrap();
    assert_eq!(call_slot.call(&mut store, (1, 4)).unwrap(), 108);
    assert_eq!(table.max(&store), None);
    assert_eq!(memory.max(&store), Some(2));

    // The artifact's bytes open again.
    let again = Module::from_bytes(&engine, module.serialize()).unwrap();
    assert_eq!(again.exports().len(), 5);
}

#[test]
fn a_host_function_becomes_a_funcref_through_a_module_of_its_type() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let negate = Func::new(&mut store, i32_to_i32(), |_, args, r| {
        let Val::I32(n) = args[0] else { unreachable!() };
        r[0] = Val::I32(-n);
        Ok(())
    });
    // No module of this store has a trampoline of its type yet.
    let e = negate.func_ref(&mut store).unwrap_err().to_string();
    assert!(e.contains("cannot be a funcref yet"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = artifact(
        dir.path(),
        "table",
        r#"(module
          (table (export "table") 2 funcref)
          (func (export "call") (param i32 i32) (result i32)
            (call_indirect (param i32) (result i32) (local.get 1) (local.get 0))))"#,
        Interruption::NONE,
    );
    let module = Module::from_file(&engine, path).unwrap();
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let r = negate.func_ref(&mut store).unwrap();
    assert_eq!(
        negate.func_ref(&mut store).unwrap(),
        r,
        "one record per function"
    );
    assert_eq!(Func::from_func_ref(&mut store, r), Some(negate));
    let table = instance.get_table(&mut store, "table").unwrap();
    table.set(&mut store, 1, Val::FuncRef(r)).unwrap();
    let call = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "call")
        .unwrap();
    assert_eq!(call.call(&mut store, (1, 6)).unwrap(), -6);
    // Called through a slot of another type, it traps as wasm code would.
    let other = Func::new(
        &mut store,
        FuncType {
            params: vec![],
            results: vec![],
        },
        |_, _, _| Ok(()),
    );
    let e = other.func_ref(&mut store).unwrap_err().to_string();
    assert!(
        e.contains("cannot be a funcref yet"),
        "no module has type () -> (): {e}"
    );
    // A reference of another store is refused there.
    let mut elsewhere = Store::new(&engine, ());
    assert!(Func::from_func_ref(&mut elsewhere, r).is_none());
    let stranger = Instance::new(&mut elsewhere, &module, &[]).unwrap();
    let their_table = stranger.get_table(&mut elsewhere, "table").unwrap();
    assert!(their_table.set(&mut elsewhere, 0, Val::FuncRef(r)).is_err());
}

#[test]
fn linker_get_adds_host_functions_to_the_store() {
    let engine = Engine::default();
    let mut linker = waot_run::Linker::<()>::new(&engine);
    linker.func_wrap("m", "seven", || 7i32).unwrap();
    let mut store = Store::new(&engine, ());
    let seven = linker
        .get(&mut store, "m", "seven")
        .and_then(Extern::into_func)
        .unwrap();
    let mut out = [Val::I32(0)];
    seven.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(7));
    assert!(linker.get(&mut store, "m", "nothing").is_none());
}
