/* The published survey results: the period's figures from GET api/survey?periode=, drawn as a
   table and an SVG chart built with the DOM (no library, nothing from elsewhere). */
(function () {
  'use strict';
  var PERIOD = /^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|S[12]))?$/;
  var SVG = 'http://www.w3.org/2000/svg';

  function $(id) { return document.getElementById(id); }
  function decimal(text) { return text === null || text === undefined ? '—' : String(text).replace('.', ','); }

  function svg(name, attributes, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function chart(elements) {
    var row = 28, label = 40, width = 320, bars = width - label - 44;
    var root = svg('svg', { role: 'img', width: '100%', viewBox: '0 0 ' + width + ' ' + (row * elements.length + 8), 'aria-labelledby': 'chart-title' });
    root.appendChild(svg('title', { id: 'chart-title' }, 'Nilai rata-rata per unsur, skala 1 sampai 4'));
    elements.forEach(function (e, i) {
      var y = 4 + i * row, value = e.nrr === null ? 0 : Number(e.nrr);
      var length = Math.round(bars * value / 4);
      root.appendChild(svg('text', { x: label - 6, y: y + 17, 'font-size': 12, 'text-anchor': 'end' }, e.code.toUpperCase()));
      var bar = svg('rect', { x: label, y: y + 4, width: length, height: row - 10, fill: '#0a3a66' });
      bar.appendChild(svg('title', {}, e.label + ': ' + decimal(e.nrr)));
      root.appendChild(bar);
      root.appendChild(svg('text', { x: label + length + 4, y: y + 17, 'font-size': 12 }, decimal(e.nrr)));
    });
    return root;
  }

  function render(data) {
    $('r-period').textContent = data.period_label;
    $('r-service').textContent = data.service;
    $('r-ikm').textContent = data.ikm === null ? 'Belum ada responden' : 'IKM ' + decimal(data.ikm);
    $('r-grade').textContent = data.grade ? 'Mutu pelayanan ' + data.grade + ' (' + data.grade_label + ')' : '';
    $('r-sample').textContent = data.respondents + ' responden dari ' + data.population +
      ' permohonan yang dilayani; sampel minimal menurut tabel Krejcie–Morgan: ' + data.required_sample +
      (data.sample_met ? ' (terpenuhi).' : ' (belum terpenuhi).');
    var body = $('r-elements');
    while (body.firstChild) body.removeChild(body.firstChild);
    data.elements.forEach(function (e) {
      var tr = document.createElement('tr');
      var name = document.createElement('td');
      name.textContent = e.code.toUpperCase() + ' ' + e.label;
      var value = document.createElement('td');
      value.textContent = decimal(e.nrr);
      tr.appendChild(name);
      tr.appendChild(value);
      body.appendChild(tr);
    });
    var box = $('chart');
    while (box.firstChild) box.removeChild(box.firstChild);
    box.appendChild(chart(data.elements));
    $('result').hidden = false;
  }

  function load(period) {
    $('loading').hidden = false;
    $('failed').hidden = true;
    fetch('api/survey?periode=' + encodeURIComponent(period), { credentials: 'same-origin' }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      $('loading').hidden = true;
      if (res.status !== 200) throw new Error(res.data.message || 'HTTP ' + res.status);
      render(res.data);
    }).catch(function (error) {
      $('loading').hidden = true;
      $('result').hidden = true;
      $('failed').textContent = 'Hasil survei tidak dapat dimuat. ' + (error.message.indexOf('HTTP') === 0 ? 'Coba lagi nanti.' : error.message);
      $('failed').hidden = false;
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var asked = new URLSearchParams(location.search).get('periode');
    var period = asked && PERIOD.test(asked.toUpperCase()) ? asked.toUpperCase() : String(new Date().getFullYear());
    $('periode').value = period;
    $('choose').addEventListener('submit', function (event) {
      event.preventDefault();
      var wanted = $('periode').value.trim().toUpperCase();
      var error = $('periode-err');
      if (!PERIOD.test(wanted)) {
        error.textContent = 'Tulis periode seperti 2026, 2026-S2, 2026-Q4, atau 2026-11.';
        error.hidden = false;
        $('periode').setAttribute('aria-invalid', 'true');
        $('periode').focus();
        return;
      }
      error.hidden = true;
      $('periode').removeAttribute('aria-invalid');
      try { history.replaceState(null, '', '?periode=' + encodeURIComponent(wanted)); } catch (e) { /* fine */ }
      load(wanted);
    });
    load(period);
  });
})();
