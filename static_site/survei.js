/* The satisfaction survey (SKM): the link's token comes in the URL fragment (never sent to a
   server, never in a Referer), is taken out of the address bar at once, and travels only in a
   header or the POST body. Everything from the server is shown with textContent. */
(function () {
  'use strict';
  var ELEMENTS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'];
  var PROFILE = ['age_band', 'sex', 'education', 'occupation'];
  var MAX = 1000;
  var token = null;

  function $(id) { return document.getElementById(id); }
  function show(id, on) { $(id).hidden = !on; }

  function closed(message) {
    show('checking', false);
    show('survey', false);
    $('closed').textContent = message;
    show('closed', true);
    $('closed').focus();
  }

  function chosen(name) {
    var picked = document.querySelector('input[name="' + name + '"]:checked');
    return picked ? picked.value : null;
  }

  function fieldError(name, message) {
    var box = $(name + '-err'), field = $(name);
    box.hidden = !message;
    box.textContent = message || '';
    if (message) field.setAttribute('aria-invalid', 'true'); else field.removeAttribute('aria-invalid');
  }

  function summary(message) {
    $('summary').hidden = !message;
    $('summary-title').textContent = message || '';
    if (message) $('summary').focus();
  }

  function collect() {
    var answers = {}, profile = {}, errors = {};
    ELEMENTS.forEach(function (code) {
      var value = chosen(code);
      if (value) answers[code] = Number(value);
      else errors[code] = 'Pilih salah satu jawaban.';
    });
    PROFILE.forEach(function (key) {
      var value = chosen(key);
      if (value) profile[key] = value;
      else errors[key] = 'Pilih salah satu.';
    });
    var suggestion = $('suggestion').value.trim();
    if (suggestion.length > MAX) errors.suggestion = 'Saran paling banyak ' + MAX + ' karakter.';
    return { body: { token: token, answers: answers, profile: profile, suggestion: suggestion }, errors: errors };
  }

  function showErrors(errors) {
    var first = null;
    ELEMENTS.concat(PROFILE, ['suggestion']).forEach(function (name) {
      fieldError(name, errors[name] || null);
      if (errors[name] && !first) first = name;
    });
    var count = Object.keys(errors).length;
    summary(count ? 'Ada ' + count + ' isian yang perlu diperbaiki. Setiap pertanyaan wajib dijawab.' : null);
    return first;
  }

  function send(event) {
    event.preventDefault();
    var collected = collect();
    if (showErrors(collected.errors)) return;
    $('send').disabled = true;
    $('send').textContent = 'Mengirim…';
    window.Remisi.postJson('api/survey', collected.body).then(function (res) {
      $('send').disabled = false;
      $('send').textContent = 'Kirim jawaban survei';
      if (res.status === 201 || (res.status === 409 && res.data.error === 'survey_used')) {
        // A retried POST whose first try was recorded answers "used": the answers are in.
        show('survey', false);
        summary(null);
        $('done-text').textContent = res.data.message || 'Jawaban survei Anda sudah tercatat.';
        show('done', true);
        $('done').focus();
        window.scrollTo(0, 0);
        return;
      }
      if (res.status === 400 && res.data.errors) {
        var errors = {};
        Object.keys(res.data.errors).forEach(function (k) { errors[k] = String(res.data.errors[k]); });
        showErrors(errors);
        return;
      }
      if (res.status === 410 || res.status === 404) { closed(res.data.message || 'Tautan survei tidak dapat dipakai.'); return; }
      summary(res.data.message || 'Terjadi kendala pada server. Coba lagi beberapa saat lagi.');
    }, function () {
      $('send').disabled = false;
      $('send').textContent = 'Kirim jawaban survei';
      summary('Tidak dapat terhubung. Periksa koneksi internet lalu coba lagi; jawaban Anda tetap di halaman ini.');
    });
  }

  function counter() {
    var used = $('suggestion').value.length;
    $('suggestion-count').textContent = used ? used + ' / ' + MAX + ' karakter' : '';
  }

  document.addEventListener('DOMContentLoaded', function () {
    var match = /(?:^#|&)t=([A-Za-z0-9_-]{43})(?:&|$)/.exec(location.hash);
    if (match) {
      token = match[1];
      // Out of the address bar: a screenshot or a shared URL does not carry the link.
      try { history.replaceState(null, '', location.pathname + location.search); } catch (e) { /* kept */ }
    }
    if (!token) { closed('Tautan survei tidak lengkap. Buka tautan lengkap dari pesan WhatsApp atau email.'); return; }
    fetch('api/survey', { headers: { 'X-Survey-Token': token }, credentials: 'same-origin' }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      if (res.status !== 200) { closed(res.data.message || 'Tautan survei tidak dapat dipakai.'); return; }
      $('expires').textContent = res.data.expires_text;
      $('service').textContent = res.data.service;
      show('checking', false);
      show('survey', true);
    }, function () {
      closed('Tidak dapat terhubung. Periksa koneksi internet lalu muat ulang halaman ini.');
    });
    $('survey').addEventListener('submit', send);
    $('suggestion').addEventListener('input', counter);
    // An answered question clears its own error at once.
    $('survey').addEventListener('change', function (event) {
      var name = event.target.name;
      if (name && $(name + '-err') && !$(name + '-err').hidden) fieldError(name, null);
    });
  });
})();
