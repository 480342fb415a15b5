// Draws the public view's charts from the JSON its page carries (no inline script: CSP): each .chart names the
// sheet it draws (data-sheet), how (data-type: treemap, bar, pie), which columns (data-value, default amount),
// and which rows (data-codes: codes of that length; data-limit: the first n). The rows are the table's under it.
// A block or bar whose row has a page (href) opens it: the treemap drills down this way.
(function () {
  var holder = document.getElementById("view-data");
  if (!holder || !window.echarts) { return; }
  var view = JSON.parse(holder.textContent);

  function short(value) {  // an axis in 元, said in 万 and 亿
    var v = Math.abs(value);
    if (v >= 1e8) { return Number((value / 1e8).toFixed(v >= 1e10 ? 0 : 2)) + "亿"; }  // 50万, not 50.00万
    if (v >= 1e4) { return Number((value / 1e4).toFixed(v >= 1e6 ? 0 : 2)) + "万"; }
    return String(value);
  }
  function name(row) { return row.name || String(row.year || row.code || ""); }

  document.querySelectorAll(".chart[data-sheet]").forEach(function (el) {
    var sheet = view.sheets ? view.sheets[el.dataset.sheet] : view.sheet;
    if (!sheet) { return; }
    var keys = (el.dataset.value || "amount").split(",");
    var rows = sheet.rows.filter(function (r) {
      return (!el.dataset.codes || (r.code || "").length === Number(el.dataset.codes)) &&
        keys.some(function (k) { return r[k] !== null && r[k] !== undefined; });
    });
    if (el.dataset.limit) { rows = rows.slice(0, Number(el.dataset.limit)); }
    var labels = {};
    sheet.columns.forEach(function (c) { labels[c.key] = c.label; });
    var chart = echarts.init(el);
    var option;
    if (el.dataset.type === "treemap" || el.dataset.type === "pie") {
      var data = rows.map(function (r) { return { name: name(r), value: Number(r[keys[0]]), href: r.href }; });
      option = { tooltip: { formatter: function (p) { return p.name + "：" + short(p.value) + "元"; } } };
      option.series = [el.dataset.type === "treemap" ?
        { type: "treemap", data: data, roam: false, nodeClick: false, breadcrumb: { show: false },
          top: 0, left: 0, right: 0, bottom: 0, label: { formatter: "{b}" } } :
        { type: "pie", data: data, radius: ["30%", "65%"], label: { formatter: "{b}\n{d}%" } }];
    } else {
      option = {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return short(v) + "元"; } },
        legend: { show: keys.length > 1, top: 0 },
        grid: { top: keys.length > 1 ? 30 : 10, left: 10, right: 20, bottom: 10, containLabel: true },
        xAxis: { type: "category", data: rows.map(name), axisLabel: { interval: 0, rotate: rows.length > 6 ? 30 : 0,
          width: 120, overflow: "truncate" } },
        yAxis: { type: "value", axisLabel: { formatter: short } },
        series: keys.map(function (k) {
          return { name: labels[k] || k, type: "bar", data: rows.map(function (r) {
            return { value: r[k] === null || r[k] === undefined ? null : Number(r[k]), href: r.href };
          }) };
        })
      };
    }
    chart.setOption(option);
    chart.on("click", function (p) { if (p.data && p.data.href) { window.location.href = p.data.href; } });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.drawn = "1";
  });
})();
