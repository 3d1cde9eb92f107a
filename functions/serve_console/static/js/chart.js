// A metric's history as an inline SVG line (no library, nothing executable): steps on x, values on y.
const NS = "http://www.w3.org/2000/svg";
const WIDTH = 320;
const HEIGHT = 120;
const PAD = 24;

function svg(tag, attrs, text) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

export function lineChart(key, points) {
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": `${key}: ${points.length} points`, class: "chart" });
  if (!points.length) return chart;
  const xs = points.map((p, i) => Number(p.step ?? i));
  const ys = points.map((p) => Number(p.value));
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x) => PAD + ((x - minX) / (maxX - minX || 1)) * (WIDTH - 2 * PAD);
  const sy = (y) => HEIGHT - PAD - ((y - minY) / (maxY - minY || 1)) * (HEIGHT - 2 * PAD);
  chart.append(
    svg("polyline", { points: xs.map((x, i) => `${sx(x).toFixed(1)},${sy(ys[i]).toFixed(1)}`).join(" "), fill: "none", class: "line" }),
    svg("text", { x: 2, y: 12, class: "axis" }, String(maxY.toPrecision(4))),
    svg("text", { x: 2, y: HEIGHT - 4, class: "axis" }, String(minY.toPrecision(4))),
    svg("text", { x: WIDTH - PAD, y: HEIGHT - 4, class: "axis", "text-anchor": "end" }, `step ${maxX}`));
  for (let i = 0; i < xs.length && i < 200; i += 1) chart.append(svg("circle", { cx: sx(xs[i]).toFixed(1), cy: sy(ys[i]).toFixed(1), r: 2 }));
  return chart;
}
