// The differential tester's oracle for the legacy exception encoding
// (`try`/`catch`/`catch_all`/`rethrow`/`delegate`), which Wasmtime does not
// run and wasmi lacks: V8, as Node ships it (Node 20's V8 runs the legacy
// form). A server the tester starts once per worker, with
// `node --experimental-wasm-type-reflection` (for the exports' parameter
// types), speaking the protocol of wasmtime-oracle.py:
//   load <path> [<page limit>]  -> ok | trap <code> | error <message>
//   skip <hex name>             -> (nothing) leave this export alone
//   functions                   -> fn x<hex name> <type>... per export, then end
//   call <hex name> <arg>...    -> values <v>... | trap <code> | exception | error <message>
//   state                       -> global <hex name> <v> | memory <hex name> <sha-256 hex>, then end
// Values as the tester writes them: i32:<decimal>, i64:<decimal>,
// f32:0x<bits>, f64:0x<bits>; references as ref:null / ref:nonnull. Values
// pass through JavaScript numbers, so NaN payloads are not kept and v128
// cannot cross: the legacy generator uses only i32 and i64. A trap is named
// as Wasmtime names it (INTEGER_DIVISION_BY_ZERO, …), from V8's message; V8
// gives one message to a null entry and a signature mismatch in
// call_indirect (BAD_SIGNATURE), which the tester folds alike on its side,
// and one to NaN and overflow in a float-to-int conversion
// (BAD_CONVERSION_TO_INTEGER), which the generator never emits. An uncaught
// exception (`WebAssembly.Exception`) is `exception`. The page limit is
// ignored (the legacy modules have no memory).
const fs = require('fs');
const crypto = require('crypto');
const readline = require('readline');

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const nameOf = hex => Buffer.from(hex.replace(/^x/, ''), 'hex').toString('utf8');
const hexName = name => Buffer.from(name, 'utf8').toString('hex');

const TRAPS = [
  [/^unreachable$/, 'UNREACHABLE'],
  [/^(divide|remainder) by zero$/, 'INTEGER_DIVISION_BY_ZERO'],
  [/^divide result unrepresentable$/, 'INTEGER_OVERFLOW'],
  [/^float unrepresentable in integer range$/, 'BAD_CONVERSION_TO_INTEGER'],
  [/^(memory access|data segment( is)?) out of bounds$/, 'MEMORY_OUT_OF_BOUNDS'],
  [/^(table index is|table access|element segment( is)?) out of bounds$/, 'TABLE_OUT_OF_BOUNDS'],
  [/^null function or function signature mismatch$/, 'BAD_SIGNATURE'],
  [/^dereferencing a null pointer$/, 'NULL_REFERENCE'],
];

function failure(e) {
  if (e instanceof WebAssembly.Exception) return 'exception';
  if (e instanceof RangeError && /Maximum call stack size/.test(e.message)) {
    return 'trap STACK_OVERFLOW';
  }
  if (e instanceof WebAssembly.RuntimeError) {
    // During instantiation V8 prefixes the API that failed.
    const message = e.message.replace(/^WebAssembly\.\w+\(\): /, '');
    for (const [pattern, code] of TRAPS) if (pattern.test(message)) return 'trap ' + code;
    return 'error unknown trap: ' + message;
  }
  return 'error ' + String(e && e.message || e).split('\n')[0];
}

function argument(type, text) {
  const value = text.slice(text.indexOf(':') + 1);
  switch (type) {
    case 'i32': return Number(value) | 0;
    case 'i64': return BigInt.asIntN(64, BigInt(value));
    case 'f32': u32[0] = Number(BigInt(value)); return f32[0];
    case 'f64': u64[0] = BigInt(value); return f64[0];
    default: return null;
  }
}

function text(type, v) {
  switch (type) {
    case 'i32': return 'i32:' + (v | 0);
    case 'i64': return 'i64:' + BigInt.asIntN(64, v).toString();
    case 'f32': f32[0] = v; return 'f32:0x' + u32[0].toString(16);
    case 'f64': f64[0] = v; return 'f64:0x' + u64[0].toString(16);
    default: return v === null ? 'ref:null' : 'ref:nonnull';
  }
}

let instance = null;
let exportNames = [];
let skipped = new Set();
const out = line => process.stdout.write(line + '\n');

function handle(words) {
  const command = words[0];
  if (command === 'skip') { skipped.add(nameOf(words[1] || '')); return; }
  if (command === 'load') {
    skipped = new Set();
    instance = null;
    let module;
    try {
      module = new WebAssembly.Module(fs.readFileSync(words[1]));
    } catch (e) { out('error ' + e.message); return; }
    exportNames = WebAssembly.Module.exports(module).map(e => e.name);
    try {
      instance = new WebAssembly.Instance(module, {});
      out('ok');
    } catch (e) { out(failure(e)); }
    return;
  }
  if (command === 'functions') {
    for (const name of exportNames) {
      const item = instance.exports[name];
      if (skipped.has(name) || typeof item !== 'function') continue;
      const type = WebAssembly.Function.type(item);
      out(['fn', 'x' + hexName(name), ...type.parameters].join(' '));
    }
    out('end');
    return;
  }
  if (command === 'call') {
    const func = instance.exports[nameOf(words[1])];
    const type = WebAssembly.Function.type(func);
    const args = words.slice(2).map((w, i) => argument(type.parameters[i], w));
    let result;
    try { result = func(...args); } catch (e) { out(failure(e)); return; }
    const results = type.results.length === 1 ? [result] : (result || []);
    out(['values', ...type.results.map((t, i) => text(t, results[i]))].join(' '));
    return;
  }
  if (command === 'state') {
    for (const name of exportNames) {
      const item = instance.exports[name];
      if (skipped.has(name)) continue;
      if (item instanceof WebAssembly.Global) {
        const type = item.type ? item.type().value : typeof item.value === 'bigint' ? 'i64' : 'i32';
        out('global x' + hexName(name) + ' ' + text(type, item.value));
      } else if (item instanceof WebAssembly.Memory) {
        const digest = crypto.createHash('sha256').update(new Uint8Array(item.buffer)).digest('hex');
        out('memory x' + hexName(name) + ' ' + digest);
      }
    }
    out('end');
    return;
  }
  out('error unknown command');
}

readline.createInterface({ input: process.stdin }).on('line', line => {
  const words = line.split(' ').filter(w => w.length);
  if (!words.length) return;
  try { handle(words); } catch (e) {
    out('error ' + String(e && e.message || e).split('\n')[0]);
    // A listing the tester reads up to `end` must still end.
    if (words[0] === 'functions' || words[0] === 'state') out('end');
  }
});
