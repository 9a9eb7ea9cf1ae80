/* The supervision dashboard's enhancement: ECharts draws the charts and the map from the
   page's own data (the tables beside them hold the same figures), and the red and yellow
   lists follow the server's event stream. Without this script the page is complete. */
(function () {
  "use strict";

  function data() {
    var node = document.getElementById("dashboard-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function sized(node) {
    return node.clientWidth > 0 && node.clientHeight > 0;
  }

  // A chart is laid out only in a box of real size: at zero width (a hidden or collapsed
  // container, or the instant a browser measures the page for a full-page capture at
  // 1 x 1) the map's view has a singular transform and ECharts throws ("Cannot read
  // properties of null (reading '0')"). It follows its own box, not the window.
  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node || typeof echarts === "undefined") return null;
    var chart = echarts.init(node, null, { renderer: "canvas" });
    var drawn = false;
    function fit() {
      if (!sized(node)) return;
      chart.resize();
      if (!drawn) {
        chart.setOption(option);
        drawn = true;
      }
    }
    fit();
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(fit).observe(node);
    } else {
      window.addEventListener("resize", fit);
    }
    return chart;
  }

  function bars(series) {
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: 64 },
      xAxis: { type: "category", data: series.names, axisLabel: { rotate: 40, interval: 0 } },
      yAxis: { type: "value", name: series.unit },
      series: [{ type: "bar", name: series.label, data: series.values }]
    };
  }

  function pie(items) {
    return {
      animation: false,
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["30%", "60%"], stillShowZeroSum: false, data: items }]
    };
  }

  function map(spec) {
    var geo = echarts.getMap(spec.name);
    if (!geo) return null;
    // the features carry division codes as ids (620100 ...): match our regions by code
    var names = {};
    geo.geoJSON.features.forEach(function (f) { names[f.id] = f.properties.name; });
    var values = [];
    var points = spec.regions.map(function (r) {
      if (r.value !== null) values.push(r.value);
      return { name: names[r.code] || r.name, value: r.value };
    });
    var max = values.length ? Math.max.apply(null, values) : 1;
    return {
      animation: false,
      tooltip: { trigger: "item" },
      visualMap: {
        min: 0, max: max || 1, calculable: true, left: 0, bottom: 0,
        text: [spec.label + (spec.unit ? " (" + spec.unit + ")" : ""), ""],
        inRange: { color: ["#fde8c8", "#d9480f"] }
      },
      series: [{ type: "map", map: spec.name, name: spec.label, data: points,
                 label: { show: false }, emphasis: { label: { show: true } } }]
    };
  }

  function follow(section) {
    var url = section.getAttribute("data-stream");
    var target = document.getElementById("alerts-lists");
    if (!url || !target || typeof EventSource === "undefined") return;
    // the server closes the stream after a bounded time; EventSource reconnects by itself
    var source = new EventSource(url);
    source.addEventListener("alerts", function (event) {
      target.innerHTML = JSON.parse(event.data).html;
    });
  }

  function start() {
    var d = data();
    if (d) {
      window.yiwangDashboard = {
        bars: draw("chart-bars", bars(d.bars)),
        evaluations: draw("chart-evaluations", pie(d.evaluations)),
        map: typeof echarts !== "undefined" ? draw("chart-map", map(d.map) || {}) : null
      };
    }
    var section = document.getElementById("alerts");
    if (section) follow(section);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
