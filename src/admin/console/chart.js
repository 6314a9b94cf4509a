// The overview's per-minute chart: stacked bars (delivered, dead-lettered) drawn as SVG.
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 220;
const PAD = { left: 40, right: 8, top: 12, bottom: 28 };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** `perMinute`: [{ minute, delivered, deadLettered }], oldest first. */
export function minuteChart(perMinute) {
  const max = Math.max(1, ...perMinute.map((m) => m.delivered + m.deadLettered));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const barW = plotW / Math.max(1, perMinute.length);
  const y = (value) => PAD.top + plotH - (value / max) * plotH;
  const delivered = perMinute.reduce((n, m) => n + m.delivered, 0);
  const dead = perMinute.reduce((n, m) => n + m.deadLettered, 0);

  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img' });
  root.append(svg('title', {}, `Per minute over the last hour: ${delivered} delivered, ${dead} dead-lettered`));
  for (const value of max >= 2 ? [0, Math.round(max / 2), max] : [0, max]) {
    root.append(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: 'grid' }));
    root.append(svg('text', { x: PAD.left - 6, y: y(value) + 4, class: 'axis', 'text-anchor': 'end' }, String(value)));
  }
  perMinute.forEach((m, i) => {
    const x = PAD.left + i * barW + barW * 0.1;
    const w = barW * 0.8;
    const bar = (from, value, cls) => {
      if (value <= 0) return;
      const rect = svg('rect', { x, y: y(from + value), width: w, height: y(from) - y(from + value), class: cls });
      rect.append(svg('title', {}, `${clock(m.minute)}: ${m.delivered} delivered, ${m.deadLettered} dead-lettered`));
      root.append(rect);
    };
    bar(0, m.delivered, 'delivered');
    bar(m.delivered, m.deadLettered, 'dead');
    if (i % 15 === 0 || i === perMinute.length - 1) {
      root.append(
        svg('text', { x: x + w / 2, y: HEIGHT - 8, class: 'axis', 'text-anchor': 'middle' }, clock(m.minute)),
      );
    }
  });
  return root;
}
