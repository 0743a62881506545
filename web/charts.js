// charts.js: every chart of the dashboard, drawn with Chart.js (window.Chart, loaded by index.html), plus the
// engagement heat map, which Chart.js has no type for and is drawn on a canvas here. Animation is off: a chart is
// complete as soon as it is made.
export const COLORS = ['#0b57d0', '#b3261e', '#146c2e', '#7d5260', '#8c5000', '#006a6a'];

// Draw (or redraw) a chart on canvas: labels on x, one dataset per series {label, data}.
export function drawChart(canvas, { type = 'line', labels, series, yTitle }) {
  const old = window.Chart.getChart(canvas);
  if (old) old.destroy();
  canvas.dataset.points = String(labels.length);
  return new window.Chart(canvas, {
    type,
    data: {
      labels,
      datasets: series.map((s, i) => ({
        label: s.label, data: s.data, borderColor: COLORS[i % COLORS.length],
        backgroundColor: COLORS[i % COLORS.length] + (type === 'bar' ? 'cc' : '33'),
        fill: type === 'line' && series.length === 1, cubicInterpolationMode: 'monotone', pointRadius: labels.length > 45 ? 0 : 2,
      })),
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: series.length > 1, labels: { color: '#1b1f24' } } },
      scales: {
        x: { ticks: { color: '#4a5360', maxRotation: 0, autoSkip: true } },
        y: { beginAtZero: true, ticks: { color: '#4a5360', precision: 0 },
             title: { display: !!yTitle, text: yTitle || '', color: '#4a5360' } },
      },
    },
  });
}

// A day × hour heat map: rows = days (labels), columns = hours 0..23, cells[row][hour] = count.
export function drawHeatMap(canvas, rowLabels, cells) {
  const labelW = 92, cellH = 22, top = 20, width = canvas.parentElement.clientWidth || 600;
  const cellW = Math.max(8, (width - labelW) / 24);
  const dpr = window.devicePixelRatio || 1;
  const cssW = labelW + cellW * 24, cssH = top + cellH * rowLabels.length + 4;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.width = cssW + 'px';
  canvas.style.height = cssH + 'px';
  const g = canvas.getContext('2d');
  g.scale(dpr, dpr);
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, cssW, cssH);
  const max = Math.max(1, ...cells.flat());
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#4a5360';
  for (let hr = 0; hr < 24; hr += cellW < 20 ? 3 : 1) g.fillText(String(hr), labelW + hr * cellW + 2, 14);
  rowLabels.forEach((label, r) => {
    g.fillStyle = '#1b1f24';
    g.fillText(label, 4, top + r * cellH + 15);
    for (let hr = 0; hr < 24; hr++) {
      const t = cells[r][hr] / max; // light blue (#eef3fb) to the accent (#0b57d0)
      g.fillStyle = `rgb(${Math.round(238 - t * 227)}, ${Math.round(243 - t * 156)}, ${Math.round(251 - t * 43)})`;
      g.fillRect(labelW + hr * cellW + 1, top + r * cellH + 1, cellW - 2, cellH - 2);
    }
  });
  canvas.dataset.points = String(rowLabels.length * 24);
  return max;
}
