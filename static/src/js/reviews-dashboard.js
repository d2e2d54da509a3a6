// The reviews dashboard: draw the open rapid reviews by RAG. The table beside the chart
// carries the same figures for everyone who cannot see the chart.
const canvas = document.getElementById("rag-chart");

if (canvas && window.Chart) {
  const { red, amber, green } = canvas.dataset;
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: ["Red", "Amber", "Green"],
      datasets: [
        {
          label: "Open rapid reviews",
          data: [Number(red), Number(amber), Number(green)],
          backgroundColor: ["#d4351c", "#f47738", "#00703c"],
        },
      ],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}
