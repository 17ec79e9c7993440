//! A third opinion for divergences: replays a divergence file in V8 (Node,
//! `diff/v8-replay.js`) up to the step where waot and wasmi disagreed, and
//! says whether V8 saw exactly what waot saw there — the call's outcome,
//! every exported global and every exported memory. Only then is the
//! divergence attributed to the oracle.

use super::oracle::{Outcome, State, Value};
use std::path::Path;
use waot_format::traps::TrapKind;

/// What waot observed at the diverging step.
pub struct Observed<'a> {
    /// Number of calls run, the last one being the diverging call (0: the
    /// divergence was at instantiation).
    pub calls: usize,
    /// waot's outcome of that step (`Values([])` for a successful
    /// instantiation).
    pub outcome: &'a Outcome,
    /// waot's globals and memories after it (`None` if instantiation failed).
    pub state: Option<&'a State>,
}

/// `Some(true)` when V8 agrees with waot on every point, `Some(false)` when
/// it does not, `None` when Node is unavailable or the replay failed.
pub fn agrees_with_waot(path: &Path, observed: &Observed) -> Option<bool> {
    let script = crate::testsuite_dir().join("diff/v8-replay.js");
    let out = std::process::Command::new("node")
        .arg(script)
        .arg(path)
        .arg(observed.calls.to_string())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let first = *lines.first()?;
    if let Some(message) = first.strip_prefix("instantiation trap ") {
        return Some(observed.calls == 0 && trap_matches(observed.outcome, message));
    }
    if observed.calls == 0 {
        if *observed.outcome != Outcome::Values(vec![]) {
            return Some(false);
        }
    } else {
        let prefix = format!("call {} ", observed.calls - 1);
        let line = lines.iter().find(|l| l.starts_with(&prefix))?;
        let rest = &line[prefix.len()..];
        let same = match (rest.strip_prefix("trap "), rest.strip_prefix("values")) {
            (Some(message), _) => trap_matches(observed.outcome, message),
            (_, Some(values)) => match observed.outcome {
                Outcome::Values(v) => {
                    let words: Vec<&str> = values.split_whitespace().collect();
                    words.len() == v.len() && v.iter().zip(&words).all(|(x, w)| value_matches(x, w))
                }
                _ => false,
            },
            _ => false,
        };
        if !same {
            return Some(false);
        }
    }
    let Some(state) = observed.state else {
        return Some(true);
    };
    for (name, value) in &state.globals {
        let key = format!("global {} ", hex_name(name));
        let Some(line) = lines.iter().find(|l| l.starts_with(&key)) else {
            return Some(false);
        };
        if !value_matches(value, &line[key.len()..]) {
            return Some(false);
        }
    }
    for (name, bytes) in &state.memories {
        let expected = format!(
            "memory {} {} {:x}",
            hex_name(name),
            bytes.len(),
            fnv1a(bytes)
        );
        if !lines.contains(&expected.as_str()) {
            return Some(false);
        }
    }
    Some(true)
}

fn hex_name(name: &str) -> String {
    if name.is_empty() {
        "-".into()
    } else {
        name.bytes().map(|b| format!("{b:02x}")).collect()
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Whether V8's printed value `word` is waot's `value` (numbers arrive as
/// float64 bits; NaNs match NaNs, as JavaScript does not keep payloads).
fn value_matches(value: &Value, word: &str) -> bool {
    let number = |bits: u64| match word
        .strip_prefix("num:")
        .and_then(|h| u64::from_str_radix(h, 16).ok())
    {
        Some(v8) => v8 == bits || (f64::from_bits(v8).is_nan() && f64::from_bits(bits).is_nan()),
        None => false,
    };
    match *value {
        Value::I32(x) => number(f64::from(x).to_bits()),
        Value::I64(x) => word == format!("i64:{x}"),
        Value::F32(x) => number(f64::from(f32::from_bits(x)).to_bits()),
        Value::F64(x) => number(x),
        Value::Ref(null) => word == if null { "null" } else { "ref" },
        // JavaScript cannot read a v128 global (nor call with one: that
        // call's line is a TypeError, which matches no outcome), so V8
        // judges everything but its value.
        Value::V128(_) => word == "v128",
    }
}

/// Whether V8's trap message describes waot's outcome. The same trap
/// reads differently depending on where it happened: during instantiation
/// V8 prefixes the API that failed (`WebAssembly.Instance(): `) and words
/// segment traps its own way (`data segment is out of bounds`), during a
/// call it gives the bare runtime message.
fn trap_matches(outcome: &Outcome, message: &str) -> bool {
    let Outcome::Trap(kind) = outcome else {
        return false;
    };
    let message = strip_api_prefix(message);
    use TrapKind::*;
    let kinds: &[TrapKind] = match message {
        "unreachable" => &[Unreachable],
        "divide by zero" | "remainder by zero" => &[IntegerDivisionByZero],
        "divide result unrepresentable" => &[IntegerOverflow],
        "float unrepresentable in integer range" => &[IntegerOverflow, BadConversionToInteger],
        "memory access out of bounds"
        | "data segment out of bounds"
        | "data segment is out of bounds" => &[MemoryOutOfBounds],
        "table index is out of bounds"
        | "table access out of bounds"
        | "element segment out of bounds"
        | "element segment is out of bounds" => &[TableOutOfBounds, UndefinedElement],
        "null function or function signature mismatch" => {
            &[UninitializedElement, IndirectCallTypeMismatch]
        }
        m if m.contains("Maximum call stack size") => &[StackOverflow],
        _ => &[],
    };
    kinds.contains(kind)
}

/// `WebAssembly.Instance(): unreachable` → `unreachable`.
fn strip_api_prefix(message: &str) -> &str {
    match message.split_once("(): ") {
        Some((api, rest)) if api.starts_with("WebAssembly.") => rest,
        _ => message,
    }
}
