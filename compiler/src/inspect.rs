//! `waot inspect`: what an artifact records, as text or JSON. Reads any
//! artifact this version understands; never executes anything.

use serde_json::{Value, json};
use waot_format::artifact::{Artifact, Header, Prefix};
use waot_format::types::{ImportKind, MemoryDesc, wasm_features};

fn limit(v: Option<u64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

fn memory_json(m: &MemoryDesc) -> Value {
    json!({ "min_pages": m.min_pages, "max_pages": limit(m.max_pages), "page_limit": limit(m.page_limit) })
}

/// Who signed the artifact and whether the signature matches its bytes;
/// `"unsigned"` when unsigned.
fn signature_json(a: &Artifact) -> Value {
    a.signature.map_or(json!("unsigned"), |record| {
        let status = if waot_format::signature::is_valid(a.bytes, &record) {
            "valid"
        } else {
            "INVALID (modified after signing)"
        };
        json!(format!("signed by key {} ({status})", record.fingerprint()))
    })
}

/// The artifact as JSON.
pub fn to_json(a: &Artifact) -> Value {
    let mut out = summary_json(a);
    if a.module.has_gc_types() || a.build.wasm_features & wasm_features::GC != 0 {
        // The type section of a GC module: its recursion groups.
        let groups: Vec<Value> = a
            .module
            .rec_group_ranges()
            .map(|r| {
                let types = &a.module.types[r];
                json!(types.iter().map(ToString::to_string).collect::<Vec<_>>())
            })
            .collect();
        out["gc_abi_fingerprint"] = json!(format!("{:016x}", a.gc_fingerprint));
        out["rec_groups"] = json!(groups);
    }
    out
}

fn summary_json(a: &Artifact) -> Value {
    let b = &a.build;
    json!({
        "format": format!("{}.{}", a.prefix.major, a.prefix.minor),
        "producer": a.prefix.producer,
        "source_sha256": a.prefix.source_sha256_hex(),
        "source_name": b.source_name,
        "abi_fingerprint": format!("{:016x}", a.abi_fingerprint),
        "target": b.target,
        "cpu": b.cpu_mode.name(),
        "cpu_features": b.cpu_features,
        "text_align": b.text_align,
        "bounds_checks": b.bounds.name(),
        "memory_reservation": b.memory_reservation,
        "memory_guard": b.memory_guard,
        "stack_check": b.stack_check,
        "interruption": b.interruption.to_string(),
        "inlining": b.inlining.to_string(),
        "wasm_features": wasm_features::describe(b.wasm_features),
        "opt_level": b.opt_level,
        "codegen": b.codegen,
        "memories": a.module.memories.iter().map(memory_json).collect::<Vec<_>>(),
        "imports": a.module.imports.iter().map(|i| {
            let sig = match &i.kind {
                ImportKind::Func(t) => a.module.func_type(*t).to_string(),
                ImportKind::Global { ty, mutable } => format!("global {}{ty}", if *mutable { "mut " } else { "" }),
                ImportKind::Memory(_) => "memory".into(),
                ImportKind::Table(t) => format!("table {}", t.elem),
                ImportKind::Tag(t) => format!("tag {}", a.module.func_type(*t)),
            };
            json!({ "module": i.module, "name": i.name, "type": sig })
        }).collect::<Vec<_>>(),
        "exports": a.module.exports.iter().map(|e| json!({ "name": e.name, "kind": format!("{:?}", e.kind).to_lowercase(), "index": e.index })).collect::<Vec<_>>(),
        "functions": a.funcs.len(),
        "globals": a.module.globals.len(),
        "tables": a.module.tables.iter().map(|t| json!({ "elem": t.elem.name(), "min": t.min, "max": limit(t.max) })).collect::<Vec<_>>(),
        "element_segments": a.module.elements.len(),
        "data_segments": a.module.data.len(),
        "memory_images": a.memory_images.iter().map(|i| json!({ "memory": i.memory.0, "offset": i.memory_offset, "bytes": i.bytes.len() })).collect::<Vec<_>>(),
        "trap_sites": a.trap_entries().count(),
        "stack_maps": a.stack_maps.len(),
        "text_bytes": a.text_len,
        "signature": signature_json(a),
        "file_bytes": a.bytes.len(),
    })
}

/// The artifact as indented text, one field per line.
pub fn to_text(a: &Artifact) -> String {
    let j = to_json(a);
    let mut out = String::new();
    if let Value::Object(map) = j {
        for (k, v) in map {
            match v {
                Value::Array(items) => {
                    out += &format!("{k}: {}\n", items.len());
                    for item in items {
                        out += &format!("  {item}\n");
                    }
                }
                Value::String(s) => out += &format!("{k}: {s}\n"),
                other => out += &format!("{k}: {other}\n"),
            }
        }
    }
    out
}

/// Describes only the frozen prefix, for artifacts of another format.
pub fn prefix_text(p: &Prefix) -> String {
    format!(
        "format: {}.{}\nproducer: {}\nsource_sha256: {}\n",
        p.major,
        p.minor,
        p.producer,
        p.source_sha256_hex()
    )
}

/// The artifact's sections in file order, as a table or as JSON: name,
/// file offset, size, and whether a loader must know the section.
pub fn sections(header: &Header, json: bool) -> String {
    let mut list = header.sections.clone();
    list.sort_by_key(|s| s.offset);
    if json {
        let items: Vec<Value> = list
            .iter()
            .map(|s| json!({ "name": s.name, "offset": s.offset, "size": s.size, "required": s.required }))
            .collect();
        return format!("{:#}\n", Value::from(items));
    }
    let width = list.iter().map(|s| s.name.len()).max().unwrap_or(0).max(7);
    let mut out = format!(
        "{:<width$}  {:>10}  {:>10}  required\n",
        "section", "offset", "size"
    );
    for s in &list {
        out += &format!(
            "{:<width$}  {:>#10x}  {:>10}  {}\n",
            s.name,
            s.offset,
            s.size,
            if s.required { "yes" } else { "no" }
        );
    }
    out
}
