//! Modules in the legacy exception encoding for the differential tester
//! (`diff --legacy-exceptions`): wasm-smith generates only the standard
//! encoding, so these come from a generator of their own, valid by
//! construction. Each function (`(param i32) (result i32)`, all exported
//! as `f0`, `f1`, …) is random structured code of nested `try` blocks with
//! any number of `catch TAG` and an optional `catch_all`, `try … delegate
//! N` to any enclosing label (the caller included), `rethrow N` to any
//! enclosing catch, throws of four tags (two of one type) with values,
//! blocks, ifs, bounded loops, branches out of `try` and catch bodies,
//! `return`, traps (`unreachable`, division by zero: never caught), and
//! calls, direct and through a table, to later functions (so every run
//! ends). What ran is folded into an accumulator the function returns and
//! into the exported global `trace` (each handler and block leaves a mark),
//! so a handler that ran in the wrong place, in the wrong order or with the
//! wrong values shows in the result. Node's V8 runs the same modules
//! ([`super::oracle_server::Server::v8`], through `served.rs`).

use super::generate::Rng;
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, ElementSection, Elements, ExportKind, ExportSection,
    Function, FunctionSection, GlobalSection, GlobalType, InstructionSink, Module, RefType,
    TableSection, TableType, TagKind, TagSection, TagType, TypeSection, ValType,
};

/// The type of every function: `(param i32) (result i32)`.
const FUNC_TYPE: u32 = 0;
/// Each tag's parameters; tags 1 and 3 share a type, so a `catch 1` must
/// not take tag 3's exception.
const TAGS: [&[ValType]; 4] = [
    &[],
    &[ValType::I32],
    &[ValType::I64, ValType::I32],
    &[ValType::I32],
];
/// Locals: the parameter, the accumulator, two scratch ones for caught
/// values, then one loop counter per loop nesting level.
const PARAM: u32 = 0;
const ACC: u32 = 1;
const SCRATCH_I32: u32 = 2;
const SCRATCH_I64: u32 = 3;
const FIRST_COUNTER: u32 = 4;
const MAX_LOOPS: u32 = 2;
/// How deep blocks nest.
const MAX_DEPTH: usize = 7;
/// The global every mark goes to.
const TRACE: u32 = 0;

/// What an enclosing label is, for the instructions that may name it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LabelKind {
    /// A `block`, `if` or `try` body: `br` may leave it (when it has no
    /// result), `delegate` may name it.
    Body,
    /// A `loop`: `br` would go round again, so the generator leaves it to
    /// its own counted back edge.
    Loop,
    /// A `catch` or `catch_all` handler: `rethrow` may name it too.
    Catch,
}

/// What a branch to a label carries: the generator's branches carry
/// nothing, so they go only to labels of empty blocks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Carries {
    Nothing,
    /// The label of a `try (result i32)` and its handlers.
    Value,
}

#[derive(Clone, Copy)]
struct Label {
    kind: LabelKind,
    carries: Carries,
}

/// One function's generator state.
struct FuncGen<'r> {
    rng: &'r mut Rng,
    index: u32,
    functions: u32,
    labels: Vec<Label>,
    loops: u32,
    budget: u32,
    marks: i32,
}

/// A module of 2 to 6 functions for `seed`.
pub fn generate(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ 0x1e6a_c7e5);
    let functions = 2 + rng.below(5) as u32;
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], [ValType::I32]);
    for params in TAGS {
        types.ty().function(params.iter().copied(), []);
    }
    let mut funcs = FunctionSection::new();
    (0..functions).for_each(|_| {
        funcs.function(FUNC_TYPE);
    });
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: u64::from(functions),
        maximum: Some(u64::from(functions)),
        shared: false,
    });
    let mut tags = TagSection::new();
    for (i, _) in TAGS.iter().enumerate() {
        tags.tag(TagType {
            kind: TagKind::Exception,
            func_type_idx: 1 + i as u32,
        });
    }
    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(0),
    );
    let mut exports = ExportSection::new();
    exports.export("trace", ExportKind::Global, TRACE);
    for f in 0..functions {
        exports.export(&format!("f{f}"), ExportKind::Func, f);
    }
    let mut elements = ElementSection::new();
    let all: Vec<u32> = (0..functions).collect();
    elements.active(
        Some(0),
        &ConstExpr::i32_const(0),
        Elements::Functions(all.into()),
    );
    let mut code = CodeSection::new();
    for index in 0..functions {
        let mut f = Function::new([
            (2, ValType::I32),
            (1, ValType::I64),
            (MAX_LOOPS, ValType::I32),
        ]);
        let mut body = FuncGen {
            rng: &mut rng,
            index,
            functions,
            labels: Vec::new(),
            loops: 0,
            budget: 20 + (seed % 7) as u32 * 12,
            marks: index as i32 * 1000,
        };
        let mut sink = f.instructions();
        sink.local_get(PARAM).local_set(ACC);
        body.statements(&mut sink, 6);
        sink.local_get(ACC).end();
        code.function(&f);
    }
    let mut module = Module::new();
    module
        .section(&types)
        .section(&funcs)
        .section(&tables)
        .section(&tags)
        .section(&globals)
        .section(&exports)
        .section(&elements)
        .section(&code);
    module.finish()
}

impl FuncGen<'_> {
    fn below(&mut self, n: u64) -> u64 {
        self.rng.below(n)
    }

    /// Up to `max` statements, each `[] -> []`.
    fn statements(&mut self, sink: &mut InstructionSink, max: u64) {
        let n = 1 + self.below(max);
        for _ in 0..n {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            self.statement(sink);
        }
    }

    /// Pushes a condition: a bit of the parameter or of the accumulator.
    fn condition(&mut self, sink: &mut InstructionSink) {
        let local = if self.below(3) == 0 { ACC } else { PARAM };
        sink.local_get(local)
            .i32_const(1 << self.below(10))
            .i32_and();
    }

    /// Leaves a mark in `trace`: `trace = trace * 31 + mark`.
    fn mark(&mut self, sink: &mut InstructionSink) {
        self.marks += 1;
        sink.global_get(TRACE)
            .i32_const(31)
            .i32_mul()
            .i32_const(self.marks)
            .i32_add()
            .global_set(TRACE);
    }

    /// Pushes an i32 that depends on what ran.
    fn value(&mut self, sink: &mut InstructionSink) {
        sink.local_get(ACC)
            .i32_const(self.below(1000) as i32)
            .i32_add();
    }

    /// Folds the i32 on the stack into the accumulator.
    fn fold(&mut self, sink: &mut InstructionSink) {
        sink.local_get(ACC)
            .i32_const(7)
            .i32_mul()
            .i32_xor()
            .local_set(ACC);
    }

    fn statement(&mut self, sink: &mut InstructionSink) {
        let deep = self.labels.len() >= MAX_DEPTH;
        match self.below(16) {
            0 | 1 => self.mark(sink),
            2 => {
                self.value(sink);
                self.fold(sink);
            }
            3 | 4 => self.throw(sink),
            5 if self.index + 1 < self.functions => self.call(sink),
            6 | 7 if !deep => self.try_catch(sink),
            8 if !deep => self.try_delegate(sink),
            9 => self.rethrow(sink),
            10 => self.branch(sink),
            11 if !deep => self.block_or_if(sink),
            12 => self.trap(sink),
            13 => {
                self.condition(sink);
                sink.if_(BlockType::Empty).local_get(ACC).return_().end();
            }
            14 if !deep && self.loops < MAX_LOOPS => self.counted_loop(sink),
            15 if !deep => self.try_value(sink),
            _ => self.mark(sink),
        }
    }

    /// A throw of a random tag with values, usually under a condition.
    fn throw(&mut self, sink: &mut InstructionSink) {
        let tag = self.below(TAGS.len() as u64) as u32;
        let conditional = self.below(4) != 0;
        if conditional {
            self.condition(sink);
            sink.if_(BlockType::Empty);
        }
        for param in TAGS[tag as usize] {
            match param {
                ValType::I64 => {
                    sink.local_get(PARAM)
                        .i64_extend_i32_u()
                        .i64_const(self.below(1 << 40) as i64)
                        .i64_mul();
                }
                _ => self.value(sink),
            }
        }
        sink.throw(tag);
        if conditional {
            sink.end();
        }
    }

    /// A direct call or a call through the table to a later function.
    fn call(&mut self, sink: &mut InstructionSink) {
        let callee = self.index + 1 + self.below(u64::from(self.functions - self.index - 1)) as u32;
        self.value(sink);
        if self.below(2) == 0 {
            sink.call(callee);
        } else {
            sink.i32_const(callee as i32).call_indirect(0, FUNC_TYPE);
        }
        self.fold(sink);
    }

    /// Takes a caught exception's values off the stack into the
    /// accumulator.
    fn take_values(&mut self, sink: &mut InstructionSink, tag: u32) {
        for param in TAGS[tag as usize].iter().rev() {
            match param {
                ValType::I64 => {
                    sink.local_set(SCRATCH_I64)
                        .local_get(SCRATCH_I64)
                        .i64_const(29)
                        .i64_shr_u()
                        .i32_wrap_i64()
                        .local_get(SCRATCH_I64)
                        .i32_wrap_i64()
                        .i32_add();
                }
                _ => {
                    sink.local_set(SCRATCH_I32).local_get(SCRATCH_I32);
                }
            }
            self.fold(sink);
        }
    }

    /// `try` with 0–3 `catch` clauses and maybe a `catch_all`; the body
    /// and handlers of type `[] -> []`.
    fn try_catch(&mut self, sink: &mut InstructionSink) {
        sink.try_(BlockType::Empty);
        self.nested(sink, LabelKind::Body, Carries::Nothing, |g, s| {
            g.statements(s, 5)
        });
        self.handlers(sink, Carries::Nothing, |g, s| g.statements(s, 4));
        sink.end();
    }

    /// The `catch` clauses and optional `catch_all` of a `try`, each
    /// handler generated by `handler`.
    fn handlers(
        &mut self,
        sink: &mut InstructionSink,
        carries: Carries,
        handler: fn(&mut Self, &mut InstructionSink),
    ) {
        let clauses = self.below(4);
        for _ in 0..clauses {
            let tag = self.below(TAGS.len() as u64) as u32;
            sink.catch(tag);
            self.nested(sink, LabelKind::Catch, carries, |g, s| {
                g.take_values(s, tag);
                g.mark(s);
                handler(g, s);
            });
        }
        if self.below(2) == 0 {
            sink.catch_all();
            self.nested(sink, LabelKind::Catch, carries, |g, s| {
                g.mark(s);
                handler(g, s);
            });
        }
    }

    /// `try … delegate N`, N naming any enclosing label or the caller.
    fn try_delegate(&mut self, sink: &mut InstructionSink) {
        sink.try_(BlockType::Empty);
        self.nested(sink, LabelKind::Body, Carries::Nothing, |g, s| {
            g.statements(s, 5)
        });
        let target = self.below(self.labels.len() as u64 + 1) as u32;
        sink.delegate(target);
    }

    /// `try (result i32)` whose body and handlers each end with a value,
    /// folded into the accumulator.
    fn try_value(&mut self, sink: &mut InstructionSink) {
        sink.try_(BlockType::Result(ValType::I32));
        self.nested(sink, LabelKind::Body, Carries::Value, |g, s| {
            g.statements(s, 4);
            g.value(s);
        });
        self.handlers(sink, Carries::Value, |g, s| {
            g.statements(s, 3);
            g.value(s);
        });
        sink.end();
        self.fold(sink);
    }

    /// `rethrow N` to an enclosing handler, usually under a condition.
    fn rethrow(&mut self, sink: &mut InstructionSink) {
        let handlers: Vec<usize> = (0..self.labels.len())
            .filter(|&i| self.labels[i].kind == LabelKind::Catch)
            .collect();
        if handlers.is_empty() {
            return self.mark(sink);
        }
        let at = handlers[self.below(handlers.len() as u64) as usize];
        let conditional = self.below(3) != 0;
        // Relative depth, counting the `if` when there is one.
        let depth = (self.labels.len() - 1 - at) as u32 + u32::from(conditional);
        if conditional {
            self.condition(sink);
            sink.if_(BlockType::Empty);
        }
        sink.rethrow(depth);
        if conditional {
            sink.end();
        }
    }

    /// `br_if` (or now and then `br`) out of an enclosing block, `try` body
    /// or handler.
    fn branch(&mut self, sink: &mut InstructionSink) {
        let targets: Vec<usize> = (0..self.labels.len())
            .filter(|&i| {
                self.labels[i].carries == Carries::Nothing && self.labels[i].kind != LabelKind::Loop
            })
            .collect();
        if targets.is_empty() {
            return self.mark(sink);
        }
        let at = targets[self.below(targets.len() as u64) as usize];
        let depth = (self.labels.len() - 1 - at) as u32;
        if self.below(5) == 0 {
            sink.br(depth);
        } else {
            self.condition(sink);
            sink.br_if(depth);
        }
    }

    fn block_or_if(&mut self, sink: &mut InstructionSink) {
        if self.below(2) == 0 {
            sink.block(BlockType::Empty);
            self.nested(sink, LabelKind::Body, Carries::Nothing, |g, s| {
                g.mark(s);
                g.statements(s, 4);
            });
        } else {
            self.condition(sink);
            sink.if_(BlockType::Empty);
            self.nested(sink, LabelKind::Body, Carries::Nothing, |g, s| {
                g.statements(s, 4)
            });
            sink.else_();
            self.nested(sink, LabelKind::Body, Carries::Nothing, |g, s| {
                g.statements(s, 3)
            });
        }
        sink.end();
    }

    /// A trap under a condition: `unreachable`, or a division by a masked
    /// bit that may be zero. Handlers never catch it.
    fn trap(&mut self, sink: &mut InstructionSink) {
        if self.below(2) == 0 {
            self.condition(sink);
            sink.i32_eqz().if_(BlockType::Empty).unreachable().end();
        } else {
            sink.local_get(ACC);
            self.condition(sink);
            sink.i32_div_u();
            self.fold(sink);
        }
    }

    /// A loop run 1–3 times on its own counter.
    fn counted_loop(&mut self, sink: &mut InstructionSink) {
        let counter = FIRST_COUNTER + self.loops;
        sink.i32_const(1 + self.below(3) as i32).local_set(counter);
        sink.loop_(BlockType::Empty);
        self.loops += 1;
        self.nested(sink, LabelKind::Loop, Carries::Nothing, |g, s| {
            g.mark(s);
            g.statements(s, 4);
            s.local_get(counter)
                .i32_const(1)
                .i32_sub()
                .local_tee(counter)
                .br_if(0);
        });
        self.loops -= 1;
        sink.end();
    }

    /// Runs `body` with a label pushed.
    fn nested(
        &mut self,
        sink: &mut InstructionSink,
        kind: LabelKind,
        carries: Carries,
        body: impl FnOnce(&mut Self, &mut InstructionSink),
    ) {
        self.labels.push(Label { kind, carries });
        body(self, sink);
        self.labels.pop();
    }
}
