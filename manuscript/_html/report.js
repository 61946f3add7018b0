/* Behaviour of the HTML report and of its provenance page (bundled, no network).
   Report: a click on a number (a.num) opens a card in place with the number's
   provenance, read from the JSON in <script id="prov-data">; Escape, the close
   button or a click elsewhere closes it. Without script, the number's link
   goes to its record on the provenance page.
   Provenance page: the search box filters the records. */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function fileItem(path, sha) {
    return el("li", {}, [el("code", {}, [path]), " ", el("code", { class: "sha" }, [sha ? sha.slice(0, 12) : ""])]);
  }

  function fileList(title, files) {
    var list = el("ul", {}, files.map(function (f) { return fileItem(f[0], f[1]); }));
    return el("details", {}, [el("summary", {}, [title + " (" + files.length + ")"]), list]);
  }

  function row(label, value) {
    return [el("dt", {}, [label]), el("dd", {}, [value])];
  }

  function buildCard(key, data, href) {
    var n = data.numbers[key];
    var g = data.groups[n[0]];
    var dl = el("dl", {}, [].concat(
      row("Shown as", n[1]),
      row("Full value", el("code", {}, [n[2]])),
      row("Rule", el("code", {}, [g.rule])),
      row("Script", el("span", {}, [el("code", {}, [g.script]), " sha256 ", el("code", {}, [g.script_sha256.slice(0, 12)])])),
      row("Output file", el("code", {}, [g.output])),
      row("Output sha256", el("code", {}, [g.output_sha256]))
    ));
    var card = el("div", { class: "prov-card", role: "dialog", "aria-label": "Provenance of " + key, tabindex: "-1" }, [
      el("button", { class: "close", type: "button", "aria-label": "Close" }, ["\u00d7"]),
      el("h4", {}, [el("code", {}, [key])]),
      el("p", { class: "meaning" }, [n[3] || ""]),
      dl,
      fileList("Package modules", g.modules),
      fileList("Inputs", g.inputs),
      el("p", {}, [el("a", { class: "full", href: href }, ["Full record on the provenance page \u2192"])])
    ]);
    return card;
  }

  function setupCards() {
    var source = document.getElementById("prov-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var open = null;
    function close() {
      if (!open) { return; }
      open.card.remove();
      open.link.classList.remove("active");
      open.link.setAttribute("aria-expanded", "false");
      open.link.focus({ preventScroll: true });
      open = null;
    }
    document.addEventListener("click", function (ev) {
      var link = ev.target.closest ? ev.target.closest("a.num") : null;
      if (link && data.numbers[link.dataset.key]) {
        ev.preventDefault();
        var same = open && open.link === link;
        close();
        if (same) { return; }
        var card = buildCard(link.dataset.key, data, link.getAttribute("href"));
        document.body.appendChild(card);
        var r = link.getBoundingClientRect();
        var left = Math.max(8, Math.min(r.left + window.scrollX, document.documentElement.clientWidth - card.offsetWidth - 8));
        card.style.left = left + "px";
        card.style.top = (r.bottom + window.scrollY + 6) + "px";
        link.classList.add("active");
        link.setAttribute("aria-expanded", "true");
        card.querySelector(".close").addEventListener("click", close);
        open = { card: card, link: link };
        return;
      }
      if (open && !open.card.contains(ev.target)) { close(); }
    });
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { close(); } });
  }

  function setupFilter() {
    var box = document.getElementById("prov-filter");
    if (!box) { return; }
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-search]"));
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-filter-group]")).reverse();
    var count = document.getElementById("prov-count");
    function apply() {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (tr) {
        var text = tr.dataset.search;
        var hit = words.every(function (w) { return text.indexOf(w) >= 0; });
        tr.hidden = !hit;
        if (hit) { shown += 1; }
      });
      groups.forEach(function (g) { g.hidden = !g.querySelector("tr[data-search]:not([hidden])"); });
      count.textContent = shown + " of " + rows.length + " records shown";
    }
    box.addEventListener("input", apply);
    apply();
  }

  function setupToc() {
    // the contents entry of the section being read is highlighted and kept in view
    var toc = document.getElementById("TOC");
    if (!toc) { return; }
    var entries = [];
    toc.querySelectorAll('a[href^="#"]').forEach(function (a) {
      var section = document.getElementById(a.getAttribute("href").slice(1));
      var heading = section && section.querySelector("h1, h2, h3");
      if (heading) { entries.push([heading, a]); }
    });
    var current = null;
    var pending = false;
    function update() {
      pending = false;
      var line = window.innerHeight * 0.25;
      var found = null;
      entries.forEach(function (e) { if (e[0].getBoundingClientRect().top < line) { found = e[1]; } });
      if (found === current) { return; }
      if (current) { current.classList.remove("current"); }
      current = found;
      if (!current) { return; }
      current.classList.add("current");
      var top = current.getBoundingClientRect().top - toc.getBoundingClientRect().top + toc.scrollTop;
      if (top < toc.scrollTop || top > toc.scrollTop + toc.clientHeight - 40) { toc.scrollTop = top - toc.clientHeight / 3; }
    }
    window.addEventListener("scroll", function () {
      if (!pending) { pending = true; window.requestAnimationFrame(update); }
    }, { passive: true });
    update();
  }

  function setupAppendix() {
    // each key of the provenance appendix links to its full record
    if (!document.getElementById("prov-data")) { return; }
    document.querySelectorAll('span[id^="prov-"]').forEach(function (span) {
      var a = el("a", { href: "provenance.html#" + span.id });
      while (span.firstChild) { a.appendChild(span.firstChild); }
      span.appendChild(a);
    });
  }

  setupCards();
  setupFilter();
  setupToc();
  setupAppendix();
}());
