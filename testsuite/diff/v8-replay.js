// Replays a differential-tester divergence in V8 (Node), as a third opinion.
//   node v8-replay.js MODULE.wasm [N]
// runs the first N calls of MODULE.calls (all when N is absent) and prints:
//   instantiated | instantiation trap <message>
//   call <i> values <v>... | call <i> trap <message>
//   global <hex name> <v>
//   memory <hex name> <byte length> <FNV-1a 64 of the bytes, hex>
// where a value is `i64:<decimal>`, `num:<float64 bits, hex>`, `null`, `ref`
// or `v128` (a v128 global, which JavaScript cannot read).
//
// The replay runs in a worker thread with a 256 MiB stack: on Node's default
// (about 1 MB) V8 exhausts its stack on recursion that waot and wasmi finish
// (waot gives wasm 1 MiB, wasmi 64 MiB), and could then not arbitrate.
// memory64 is behind a flag in Node 20's V8 (11.3), which has neither
// multi-memory nor 64-bit tables: it cannot arbitrate modules using those.
require('v8').setFlagsFromString('--experimental-wasm-memory64');
const { Worker, isMainThread, parentPort } = require('worker_threads');
if (isMainThread) {
  const worker = new Worker(__filename, {
    argv: process.argv.slice(2),
    resourceLimits: { stackSizeMb: 256 },
  });
  worker.on('message', out => process.stdout.write(out.map(l => l + '\n').join('')));
  worker.on('error', e => { console.error(e); process.exitCode = 1; });
  return;
}
const out = [];
const print = (...words) => out.push(words.join(' '));
const fs = require('fs');
const path = process.argv[2];
const limit = process.argv[3] === undefined ? Infinity : Number(process.argv[3]);
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const hex = s => Buffer.from(s, 'utf8').toString('hex');
const fmt = v => {
  if (typeof v === 'bigint') return 'i64:' + BigInt.asIntN(64, v).toString();
  if (typeof v === 'number') { f64[0] = v; return 'num:' + u64[0].toString(16); }
  return v === null ? 'null' : 'ref';
};
let inst;
try {
  inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(path)), {});
  print('instantiated');
} catch (e) {
  print('instantiation trap', e.message);
  parentPort.postMessage(out);
  return;
}
let lines = [];
try { lines = fs.readFileSync(path.replace(/\.wasm$/, '.calls'), 'utf8').split('\n').filter(l => l.startsWith('name:')); } catch (e) {}
lines.slice(0, limit).forEach((line, i) => {
  const [nameHex, ...args] = line.split(' ').filter(x => x.length);
  const name = Buffer.from(nameHex.slice(5), 'hex').toString('utf8');
  const vals = args.map(a => {
    const [t, v] = a.split(':');
    if (t === 'i32') return Number(v);
    if (t === 'i64') return BigInt(v);
    if (t === 'f32') { u32[0] = parseInt(v, 16); return f32[0]; }
    if (t === 'f64') { u64[0] = BigInt(v); return f64[0]; }
    return null;
  });
  try {
    let r = inst.exports[name](...vals);
    if (!Array.isArray(r)) r = r === undefined ? [] : [r];
    print('call', i, 'values', ...r.map(fmt));
  } catch (e) { print('call', i, 'trap', e.message); }
});
for (const [name, value] of Object.entries(inst.exports)) {
  if (value instanceof WebAssembly.Global) {
    // JavaScript cannot read a v128 global: say so, and the tester leaves
    // it out of the comparison.
    let v;
    try { v = fmt(value.value); } catch (e) { v = 'v128'; }
    print('global', hex(name) || '-', v);
  }
  if (value instanceof WebAssembly.Memory) {
    const bytes = new Uint8Array(value.buffer);
    let h = 0xcbf29ce484222325n;
    for (const b of bytes) { h ^= BigInt(b); h = (h * 0x100000001b3n) & 0xffffffffffffffffn; }
    print('memory', hex(name) || '-', bytes.length, h.toString(16));
  }
}
parentPort.postMessage(out);
