// Keyboard shortcuts for the common path, and confirmations. No framework, no inline script
// (the CSP allows only this file).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  function typing(event) {
    var tag = (event.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey;
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-href]"));
  var current = -1;
  function select(index) {
    if (!rows.length) return;
    if (current >= 0) rows[current].classList.remove("selected");
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows[current].classList.add("selected");
    rows[current].scrollIntoView({block: "nearest"});
  }
  // The queue reloads itself every minute while the operator is not using the page, so new
  // requests and the SLA clocks stay current without a script-heavy page.
  var table = document.querySelector("table[data-refresh]");
  var idleSince = Date.now();
  ["keydown", "mousemove", "focusin"].forEach(function (name) {
    document.addEventListener(name, function () { idleSince = Date.now(); });
  });
  if (table) {
    var every = parseInt(table.getAttribute("data-refresh"), 10) * 1000;
    window.setInterval(function () {
      if (Date.now() - idleSince >= every && current < 0) window.location.reload();
    }, every);
  }
  // The KTP is fetched only when the operator asks for it: that fetch is the audited view.
  // Always images (a PDF's pages were rendered when it was checked), never a frame.
  function showKtp() {
    var link = document.getElementById("show-ktp");
    if (!link) return;
    var box = link.parentNode;
    var pages = Math.max(1, parseInt(box.getAttribute("data-pages"), 10) || 1);
    var href = link.getAttribute("href");
    box.removeChild(link);
    for (var page = 1; page <= pages; page++) {
      var view = document.createElement("img");
      view.className = "ktp";
      view.src = page === 1 ? href : href + "?page=" + page;
      view.alt = pages === 1 ? "KTP pemohon" : "KTP pemohon, halaman " + page + " dari " + pages;
      box.appendChild(view);
    }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("#show-ktp")) {
      event.preventDefault();
      showKtp();
    }
  });
  document.addEventListener("keydown", function (event) {
    // Ctrl+Enter in the answer confirms it: the decision needs no mouse and no Tab run.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var confirmButton = document.getElementById("confirm-found");
      if (confirmButton) {
        event.preventDefault();
        confirmButton.form.requestSubmit(confirmButton);
      }
      return;
    }
    if (typing(event)) return;
    var key = event.key;
    if (rows.length && (key === "j" || key === "k")) {
      select(current + (key === "j" ? 1 : -1));
    } else if (rows.length && key === "Enter" && current >= 0) {
      window.location.assign(rows[current].getAttribute("data-href"));
    } else if (/^[1-9]$/.test(key)) {
      var pick = document.querySelector('[data-key="' + key + '"]');
      if (pick) window.location.assign(pick.getAttribute("href"));
    } else if (key === "k") {
      showKtp();
    } else if (key === "n" || key === "u") {
      var button = document.getElementById(key === "n" ? "not-found" : "clearer-ktp");
      if (button) button.click();
    } else if (key === "q") {
      var queue = document.querySelector('a[accesskey="q"]');
      if (queue) window.location.assign(queue.getAttribute("href"));
    }
  });
})();
