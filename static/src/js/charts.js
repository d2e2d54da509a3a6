// Draw a stacked bar chart for each <canvas data-chart-source="id">, reading its data from the
// JSON script element with that id. The same figures are always in a table beside the chart.
(function () {
  "use strict";
  var colours = ["#00703c", "#1d70b8", "#f47738", "#d4351c", "#505a5f"];
  document.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chartSource);
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    data.datasets.forEach(function (dataset, index) {
      dataset.backgroundColor = colours[index % colours.length];
    });
    new Chart(canvas, {
      type: "bar",
      data: data,
      options: {
        responsive: true,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  });
})();
