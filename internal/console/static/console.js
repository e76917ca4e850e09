// Lintel console: live views over server-sent events, search as you type,
// confirmations. No inline script is allowed by the page's policy, so all
// behaviour hangs off data- attributes.
(function () {
  "use strict";

  // Live views: <div data-live="doors events" data-src="/url?fragment=x">.
  // The server says which topics changed; each view showing one of them
  // fetches its fragment again. Nothing is polled.
  function refresh(el) {
    if (el.dataset.loading) { el.dataset.again = "1"; return; }
    el.dataset.loading = "1";
    fetch(el.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null) { el.innerHTML = html; }
      })
      .catch(function () {})
      .finally(function () {
        delete el.dataset.loading;
        if (el.dataset.again) { delete el.dataset.again; refresh(el); }
      });
  }

  function startLive() {
    var views = document.querySelectorAll("[data-live]");
    if (!views.length || !window.EventSource) { return; }
    var es = new EventSource("/live");
    es.addEventListener("change", function (ev) {
      var topics = ev.data.split(" ");
      views.forEach(function (el) {
        var wants = el.dataset.live.split(" ");
        if (topics.some(function (t) { return wants.indexOf(t) >= 0; })) { refresh(el); }
      });
    });
    document.documentElement.dataset.live = "connected";
    es.addEventListener("open", function () { document.documentElement.dataset.live = "open"; });
  }

  // Search as you type: <input data-search="#target" data-fragment="name">
  // inside a GET form.
  function startSearch() {
    document.querySelectorAll("input[data-search]").forEach(function (input) {
      var target = document.querySelector(input.dataset.search);
      var form = input.form;
      var timer = null, seq = 0;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var params = new URLSearchParams(new FormData(form));
          var url = form.getAttribute("action") + "?" + params.toString();
          params.set("fragment", input.dataset.fragment);
          var mine = ++seq;
          fetch(form.getAttribute("action") + "?" + params.toString(), { credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.text() : null; })
            .then(function (html) {
              if (html === null || mine !== seq) { return; }
              target.innerHTML = html;
              history.replaceState(null, "", url);
            })
            .catch(function () {});
        }, 200);
      });
    });
  }

  // <form data-confirm="Question?"> asks before posting; <form
  // data-busy="Text"> disables its buttons while the post runs.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      ev.preventDefault();
      return;
    }
    if (form.dataset.busy) {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      var s = document.createElement("p");
      s.setAttribute("role", "status");
      s.className = "note";
      s.textContent = form.dataset.busy;
      form.appendChild(s);
    }
  });

  // An import job's page: <section data-import-status="/status-url"
  // data-state="running"> with a <progress> and [data-count] spans. Its
  // status is polled every half second while it runs; when it has ended
  // the page is loaded again to show the result.
  function startImportJob() {
    var el = document.querySelector("[data-import-status]");
    if (!el || el.dataset.state !== "running") { return; }
    var bar = el.querySelector("progress");
    function tick() {
      fetch(el.dataset.importStatus, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (s === null) { setTimeout(tick, 2000); return; }
          if (s.state !== "running") { window.location.reload(); return; }
          if (bar) { bar.max = Math.max(s.total, 1); bar.value = s.done; bar.textContent = s.done + " of " + s.total; }
          el.querySelectorAll("[data-count]").forEach(function (c) {
            var v = s[c.dataset.count];
            if (typeof v === "number") { c.textContent = String(v); }
          });
          setTimeout(tick, 500);
        })
        .catch(function () { setTimeout(tick, 2000); });
    }
    setTimeout(tick, 500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    startLive();
    startSearch();
    startImportJob();
  });
})();
