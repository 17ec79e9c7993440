// Replays a differential-tester divergence in V8 (Node), as a third opinion.
//   node v8-replay.js MODULE.wasm [N]
// runs the first N calls of MODULE.calls (all when N is absent) and prints:
//   instantiated | instantiation trap <message>
//   call <i> values <v>... | call <i> trap <message>
//   global <hex name> <v>
//   memory <hex name> <byte length> <FNV-1a 64 of the bytes, hex>
// where a value is `i64:<decimal>`, `num:<float64 bits, hex>`, `null` or `ref`.
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
  console.log('instantiated');
} catch (e) {
  console.log('instantiation trap', e.message);
  process.exit(0);
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
    console.log('call', i, 'values', ...r.map(fmt));
  } catch (e) { console.log('call', i, 'trap', e.message); }
});
for (const [name, value] of Object.entries(inst.exports)) {
  if (value instanceof WebAssembly.Global) console.log('global', hex(name) || '-', fmt(value.value));
  if (value instanceof WebAssembly.Memory) {
    const bytes = new Uint8Array(value.buffer);
    let h = 0xcbf29ce484222325n;
    for (const b of bytes) { h ^= BigInt(b); h = (h * 0x100000001b3n) & 0xffffffffffffffffn; }
    console.log('memory', hex(name) || '-', bytes.length, h.toString(16));
  }
}
