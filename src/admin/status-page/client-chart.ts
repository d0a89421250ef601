/**
 * Browser code of the status page, part 2 of 5: a line chart on <canvas> over a time window.
 * Hand-written because the page loads no library; it only needs lines, gaps and a few labels.
 */
export const CLIENT_CHART = String.raw`
const PAD = { left: 58, right: 12, top: 12, bottom: 24 };

// 1, 2, 5 times a power of ten: axis steps a reader can add up at a glance.
function niceStep(max, ticks) {
  const raw = max / ticks;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function clock(ms) {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

class LineChart {
  constructor(canvas, legend, format) {
    this.canvas = canvas;
    this.legend = legend;
    this.format = format;
  }

  // series: [{ label, color, dashed, points: [[ms, value or null], ...] }], drawn between from and to (ms).
  draw(series, from, to) {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);

    let max = 0, count = 0;
    for (const s of series) for (const [t, v] of s.points) {
      if (v === null || t < from) continue;
      count++;
      if (v > max) max = v;
    }
    // Exposed for the end-to-end test and for anyone inspecting the page.
    c.dataset.points = String(count);
    c.dataset.max = String(max);

    const step = niceStep(max > 0 ? max : 1, 4);
    const top = Math.max(step, Math.ceil(max / step) * step);
    const pw = w - PAD.left - PAD.right, ph = h - PAD.top - PAD.bottom;
    const x = (t) => PAD.left + ((t - from) / (to - from)) * pw;
    const y = (v) => PAD.top + ph - (v / top) * ph;

    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    g.strokeStyle = '#e3e7ee';
    g.fillStyle = '#6b7280';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let v = 0; v <= top + step / 2; v += step) {
      g.beginPath();
      g.moveTo(PAD.left, Math.round(y(v)) + 0.5);
      g.lineTo(w - PAD.right, Math.round(y(v)) + 0.5);
      g.stroke();
      g.fillText(this.format(v), PAD.left - 6, y(v));
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const span = to - from;
    const tick = span > 5 * 60000 ? 120000 : span > 2 * 60000 ? 60000 : 15000;
    for (let t = Math.ceil(from / tick) * tick; t <= to; t += tick) {
      const label = clock(t), half = g.measureText(label).width / 2;
      if (x(t) - half >= PAD.left - 8 && x(t) + half <= w) g.fillText(label, x(t), h - PAD.bottom + 6);
    }

    g.lineWidth = 2;
    g.lineJoin = 'round';
    // Last series first, so the first (the main one) stays on top where two lines coincide.
    for (const s of series.slice().reverse()) {
      g.strokeStyle = s.color;
      g.fillStyle = s.color;
      g.setLineDash(s.dashed ? [5, 4] : []);
      g.beginPath();
      let pen = false, last = null;
      for (const [t, v] of s.points) {
        if (v === null || t < from) { pen = false; last = null; continue; }
        if (pen) g.lineTo(x(t), y(v)); else g.moveTo(x(t), y(v));
        pen = true;
        last = [t, v];
      }
      g.stroke();
      // A dot on the newest value: it marks "now" and shows a lone point that has no line yet.
      if (last !== null) {
        g.beginPath();
        g.arc(x(last[0]), y(last[1]), 3, 0, 2 * Math.PI);
        g.fill();
      }
    }
    g.setLineDash([]);
    this.drawLegend(series);
  }

  drawLegend(series) {
    const items = series.map((s) => {
      const last = s.points.length > 0 ? s.points[s.points.length - 1][1] : null;
      const item = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = s.color;
      item.append(swatch, s.label + ': ' + (last === null ? '–' : this.format(last)));
      return item;
    });
    this.legend.replaceChildren(...items);
  }
}
`;
