// Replays a waot divergence file (.wasm + .calls) in V8 and prints each
// call's results (ints in decimal, floats as hex bits) or trap message.
const fs = require('fs');
const path = process.argv[2];
const inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(path)), {});
const lines = fs.readFileSync(path.replace(/\.wasm$/, '.calls'), 'utf8').split('\n').filter(l => l.startsWith('name:'));
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const fmt = v => typeof v === 'bigint' ? v.toString() : (typeof v === 'number' ? (Number.isInteger(v) && Object.is(v, v|0) ? String(v) : 'num:' + v) : String(v));
for (const line of lines) {
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
    console.log(JSON.stringify(name), '->', r.map(fmt).join(' '));
  } catch (e) { console.log(JSON.stringify(name), 'trap:', e.message); }
}
