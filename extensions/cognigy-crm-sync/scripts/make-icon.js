// Draws icon.png, the 64x64 picture Cognigy shows for the Extension (its README asks for 64x64):
// a speech bubble with a check mark (a completed dialog) on the node's colour. No image library:
// shapes sampled 4x4 per pixel for smooth edges, written as an RGBA PNG with zlib.
// Run `npm run icon` after changing it; the committed icon.png is what the package holds.
const { deflateSync } = require('node:zlib');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const SIZE = 64;
const SAMPLES = 4;
const BACKGROUND = [0x1f, 0x5f, 0x8b];
const WHITE = [0xff, 0xff, 0xff];
const CHECK = [0x2e, 0xa0, 0x5a];

/** Inside a rectangle with rounded corners (radius r). */
function roundedRect(x, y, left, top, right, bottom, r) {
  const cx = Math.min(Math.max(x, left + r), right - r);
  const cy = Math.min(Math.max(y, top + r), bottom - r);
  return x >= left && x <= right && y >= top && y <= bottom && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** Inside the triangle a, b, c (same side of each edge). */
function triangle(x, y, [a, b, c]) {
  const side = (p, q) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const s1 = side(a, b);
  const s2 = side(b, c);
  const s3 = side(c, a);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
}

/** Within `width / 2` of the segment p-q. */
function stroke(x, y, p, q, width) {
  const [dx, dy] = [q[0] - p[0], q[1] - p[1]];
  const t = Math.max(0, Math.min(1, ((x - p[0]) * dx + (y - p[1]) * dy) / (dx * dx + dy * dy)));
  return (x - p[0] - t * dx) ** 2 + (y - p[1] - t * dy) ** 2 <= (width / 2) ** 2;
}

/** The colour at a point, or null outside the icon's rounded square. */
function colourAt(x, y) {
  if (!roundedRect(x, y, 0, 0, SIZE, SIZE, 12)) return null;
  const check = stroke(x, y, [20, 29], [28, 37], 5) || stroke(x, y, [28, 37], [44, 20], 5);
  if (check) return CHECK;
  const bubble = roundedRect(x, y, 9, 9, 55, 45, 9) || triangle(x, y, [[18, 42], [30, 42], [14, 55]]);
  return bubble ? WHITE : BACKGROUND;
}

function pixels() {
  const rows = [];
  for (let py = 0; py < SIZE; py += 1) {
    const row = Buffer.alloc(1 + SIZE * 4); // filter byte 0, then RGBA
    for (let px = 0; px < SIZE; px += 1) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy += 1) {
        for (let sx = 0; sx < SAMPLES; sx += 1) {
          const colour = colourAt(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES);
          if (colour === null) continue;
          colour.forEach((channel, i) => (sum[i] += channel));
          sum[3] += 255;
        }
      }
      const covered = sum[3] / 255;
      const rgba = covered === 0 ? [0, 0, 0, 0] : [...sum.slice(0, 3).map((c) => c / covered), sum[3] / SAMPLES ** 2];
      rgba.forEach((value, i) => row.writeUInt8(Math.round(value), 1 + px * 4 + i));
    }
    rows.push(row);
  }
  return Buffer.concat(rows);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, deflate, no filter set, no interlace

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(pixels(), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(join(__dirname, '..', 'icon.png'), png);
console.log(`icon.png: ${SIZE}x${SIZE}, ${png.length} bytes`);
