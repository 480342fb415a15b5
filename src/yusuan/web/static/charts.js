// Draws the unit page's charts from the JSON the page carries (no inline script: CSP).
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  document.querySelectorAll(".chart").forEach(function (el) {
    var series = data[el.id];
    if (!series || !window.echarts) { return; }
    var chart = echarts.init(el);
    chart.setOption({
      title: { text: el.dataset.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { top: 24, type: "scroll" },
      grid: { top: 70, left: 10, right: 20, bottom: 10, containLabel: true },  // room for the labels, however long
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value" },
      series: Object.keys(series).map(function (name) {
        return { name: name, type: "bar", stack: el.id === "basic-project" ? "t" : undefined, data: series[name].map(Number) };
      })
    });
    el.dataset.drawn = "1";
  });
})();
