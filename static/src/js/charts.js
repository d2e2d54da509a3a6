// Draw a chart for each <canvas data-chart-source="id">, reading its data from the JSON script
// element with that id. The same figures are always in a table beside the chart.
// The data may say `type` ("bar" unless given) and `stacked` (true unless false).
(function () {
  "use strict";
  var colours = ["#00703c", "#1d70b8", "#f47738", "#d4351c", "#505a5f", "#4c2c92", "#912b88", "#85994b"];
  document.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chartSource);
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var stacked = data.stacked !== false;
    data.datasets.forEach(function (dataset, index) {
      dataset.backgroundColor = colours[index % colours.length];
      dataset.borderColor = colours[index % colours.length];
    });
    new Chart(canvas, {
      type: data.type || "bar",
      data: { labels: data.labels, datasets: data.datasets },
      options: {
        responsive: true,
        spanGaps: true,
        scales: {
          x: { stacked: stacked },
          y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  });
})();
