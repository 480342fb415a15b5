// Draws the unit page's charts from the JSON the page carries (no inline script: CSP). The page carries 元;
// the charts show 万元, the unit the documents print, with separators, and leave room for their labels.
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var wan = function (yuan) { return Math.round(Number(yuan) / 100) / 100; };
  var written = function (value) { return Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 2 }); };
  document.querySelectorAll(".chart").forEach(function (el) {
    var series = data[el.id];
    if (!series || !window.echarts) { return; }
    var chart = echarts.init(el);
    chart.setOption({
      title: { text: el.dataset.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: function (value) { return written(value) + " 万元"; } },
      legend: { top: 24, type: "scroll" },
      grid: { top: 70, left: 10, right: 20, bottom: 10, containLabel: true },  // room for the labels, however long
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value", axisLabel: { formatter: written } },
      series: Object.keys(series).map(function (name) {
        return { name: name, type: "bar", stack: el.id === "basic-project" ? "t" : undefined, data: series[name].map(wan) };
      })
    });
    el.dataset.drawn = "1";
  });
})();
