// Writes to stdout what JavaScript's toLowerCase() makes of every code point
// and of strings that exercise Final_Sigma, for js_lower_check (which folds
// the same inputs in C++ and compares). Records: u32le input length, input
// UTF-8, u32le expected length, expected UTF-8; then u32le 0xFFFFFFFF and
// u32le record count, so a cut-off stream fails the check.
//
// Per code point X, one input holds five contexts split by spaces (a space
// is neither cased nor case-ignorable, so each context stands alone):
//   X   XΣ   AXΣ   AΣX   AΣXA
// which checks X's own mapping and how X counts before and after a sigma.
import { writeSync } from "node:fs";

const SIGMA = "\u03a3";
const chunks = [];
let size = 0;
let count = 0;

function flush() {
  const buf = Buffer.concat(chunks, size);
  for (let off = 0; off < buf.length; ) off += writeSync(1, buf, off);
  chunks.length = 0;
  size = 0;
}

function record(input) {
  const i = Buffer.from(input, "utf8");
  const o = Buffer.from(input.toLowerCase(), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32LE(i.length);
  const mid = Buffer.alloc(4);
  mid.writeUInt32LE(o.length);
  chunks.push(head, i, mid, o);
  size += 8 + i.length + o.length;
  ++count;
  if (size > 1 << 20) flush();
}

for (let cp = 0; cp <= 0x10ffff; ++cp) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;  // Not encodable in UTF-8.
  const x = String.fromCodePoint(cp);
  record([x, x + SIGMA, "A" + x + SIGMA, "A" + SIGMA + x, "A" + SIGMA + x + "A"].join(" "));
}

// Words and runs around sigmas, and random strings over the characters
// Final_Sigma cares about (cased, case-ignorable, neither, sigma itself).
const fixed = [
  "ΟΔΟΣ", "ΟΔΟΣ.", "ΟΔΟΣ ΚΑΙ", "ΣΑΣ", "Σ", "ΣΣ", "ΣΣΣ", "AΣ'Σ", "AΣ'", "A'Σ", "AΣ\u0301",
  "AΣ\u0301B", "ΑΣ\u0345", "\u02b0Σ", "Σ\u02b0", "ÉMILE@X.IO", "İSTANBUL@X.IO", "İ", "ΌΣΟΣ@X.IO",
  "MAΣ@X.IO", "ΣA@X.IO", "\u1f88Σ", "A\u00adΣ", "A\u200dΣ\u200d", "𐐀Σ", "A:Σ", "A.Σ.B",
];
for (const s of fixed) record(s);
const pool = [SIGMA, "A", "a", "'", ".", ":", " ", "@", "\u0301", "\u0345", "\u02b0", "\u00ad",
              "\u0130", "\u1f88", "\u{10400}", "ǅ", "ß", "\u0307", "1"];
let seed = 12345;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return (seed >>> 8) % n;
};
for (let k = 0; k < 50000; ++k) {
  let s = "";
  const len = 1 + rand(8);
  for (let j = 0; j < len; ++j) {
    s += rand(6) === 0 ? String.fromCodePoint(0x80 + rand(0x2000)) : pool[rand(pool.length)];
  }
  record(s);
}

flush();
const tail = Buffer.alloc(8);
tail.writeUInt32LE(0xffffffff, 0);
tail.writeUInt32LE(count, 4);
chunks.push(tail);
size += 8;
flush();
