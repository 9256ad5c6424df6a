// Draws build/icon.png (1024×1024): the app mark, a white drop on a blue
// rounded square, the same as the header's logo. electron-builder makes the
// .icns and .ico from it. Run: node build/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 1024;
const SAMPLES = 4; // per axis, for anti-aliased edges
const BLUE_TOP = [47, 117, 230];
const BLUE_BOTTOM = [24, 84, 196];

/** In the mark's own 32-unit space (see LogoMark in renderer/src/components/icons.tsx). */
function insideSquare(x, y) {
  const r = 7;
  const cx = Math.min(Math.max(x, r), 32 - r);
  const cy = Math.min(Math.max(y, r), 32 - r);
  return x >= 0 && x <= 32 && y >= 0 && y <= 32 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function insideDrop(x, y) {
  const cx = 16;
  const cy = 18.2;
  const r = 7;
  if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) return true;
  const top = 5.5;
  if (y < top || y > cy) return false;
  const t = (y - top) / (cy - top);
  return Math.abs(x - cx) <= r * Math.sin((t * Math.PI) / 2) ** 1.4;
}

const rows = [];
for (let py = 0; py < SIZE; py++) {
  const row = Buffer.alloc(1 + SIZE * 4); // filter byte 0, then RGBA
  for (let px = 0; px < SIZE; px++) {
    let square = 0;
    let drop = 0;
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const x = ((px + (sx + 0.5) / SAMPLES) / SIZE) * 32;
        const y = ((py + (sy + 0.5) / SAMPLES) / SIZE) * 32;
        if (insideSquare(x, y)) {
          square++;
          if (insideDrop(x, y)) drop++;
        }
      }
    }
    const n = SAMPLES * SAMPLES;
    const t = py / SIZE;
    const blue = BLUE_TOP.map((c, i) => c + (BLUE_BOTTOM[i] - c) * t);
    const white = drop / Math.max(square, 1);
    const rgb = blue.map((c) => Math.round(c + (255 - c) * white));
    row.set([...rgb, Math.round((255 * square) / n)], 1 + px * 4);
  }
  rows.push(row);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('./icon.png', import.meta.url), png);
console.log(`build/icon.png: ${SIZE}×${SIZE}, ${png.length} bytes`);
