/* The satisfaction survey (SKM): the link's token comes in the URL fragment (never sent to a
   server, never in a Referer), is taken out of the address bar at once, and travels only in a
   header or the POST body. Everything from the server is shown with textContent. */
(function () {
  'use strict';
  var ELEMENTS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'];
  var PROFILE = ['age_band', 'sex', 'education', 'occupation'];
  var MAX = 1000;
  var token = null;
  var lang = 'id';
  var TEXT = {
    id: {
      fix: 'Ada {n} isian yang perlu diperbaiki. Setiap pertanyaan wajib dijawab.',
      pick: 'Pilih salah satu jawaban.', pick_one: 'Pilih salah satu.',
      too_long: 'Saran paling banyak {n} karakter.', sending: 'Mengirim…', send: 'Kirim jawaban survei',
      recorded: 'Jawaban survei Anda sudah tercatat.', unusable: 'Tautan survei tidak dapat dipakai.',
      server: 'Terjadi kendala pada server. Coba lagi beberapa saat lagi.',
      offline: 'Tidak dapat terhubung. Periksa koneksi internet lalu coba lagi; jawaban Anda tetap di halaman ini.',
      offline_check: 'Tidak dapat terhubung. Periksa koneksi internet lalu muat ulang halaman ini.',
      incomplete: 'Tautan survei tidak lengkap. Buka tautan lengkap dari pesan WhatsApp atau email.',
      count: '{n} / {max} karakter', other: 'English'
    },
    en: {
      fix: '{n} answers need fixing. Every question needs an answer.',
      pick: 'Choose one answer.', pick_one: 'Choose one.',
      too_long: 'At most {n} characters.', sending: 'Sending…', send: 'Send the survey answers',
      recorded: 'Your survey answers are recorded.', unusable: 'This survey link cannot be used.',
      server: 'A server problem occurred. Try again in a moment.',
      offline: 'Cannot connect. Check the internet connection and try again; your answers stay on this page.',
      offline_check: 'Cannot connect. Check the internet connection and reload this page.',
      incomplete: 'The survey link is incomplete. Open the full link from the WhatsApp message or email.',
      count: '{n} / {max} characters', other: 'Bahasa Indonesia'
    }
  };
  function t(key, params) {
    return String(TEXT[lang][key]).replace(/\{(\w+)\}/g, function (m, k) { return params && k in params ? params[k] : m; });
  }

  // Every node with data-en swaps its text; the Indonesian original is kept the first time.
  function applyLanguage(next) {
    lang = next === 'en' ? 'en' : 'id';
    document.documentElement.lang = lang;
    var nodes = document.querySelectorAll('[data-en]');
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (node.dataset.idText === undefined) node.dataset.idText = node.textContent;
      node.textContent = lang === 'en' ? node.dataset.en : node.dataset.idText;
    }
    var body = document.body;
    if (!body.dataset.titleId) body.dataset.titleId = document.title;
    document.title = lang === 'en' ? body.dataset.titleEn : body.dataset.titleId;
    $('survey-lang').textContent = t('other');
    $('survey-lang').lang = lang === 'en' ? 'id' : 'en';
    try { localStorage.setItem('remisi-lang', lang); } catch (e) { /* ignore */ }
  }

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
      else errors[code] = t('pick');
    });
    PROFILE.forEach(function (key) {
      var value = chosen(key);
      if (value) profile[key] = value;
      else errors[key] = t('pick_one');
    });
    var suggestion = $('suggestion').value.trim();
    if (suggestion.length > MAX) errors.suggestion = t('too_long', { n: MAX });
    return { body: { token: token, answers: answers, profile: profile, suggestion: suggestion, language: lang }, errors: errors };
  }

  function showErrors(errors) {
    var first = null;
    ELEMENTS.concat(PROFILE, ['suggestion']).forEach(function (name) {
      fieldError(name, errors[name] || null);
      if (errors[name] && !first) first = name;
    });
    var count = Object.keys(errors).length;
    summary(count ? t('fix', { n: count }) : null);
    return first;
  }

  function send(event) {
    event.preventDefault();
    var collected = collect();
    if (showErrors(collected.errors)) return;
    $('send').disabled = true;
    $('send').textContent = t('sending');
    window.Remisi.postJson('api/survey', collected.body).then(function (res) {
      $('send').disabled = false;
      $('send').textContent = t('send');
      if (res.status === 201 || (res.status === 409 && res.data.error === 'survey_used')) {
        // A retried POST whose first try was recorded answers "used": the answers are in.
        show('survey', false);
        summary(null);
        $('done-text').textContent = res.data.message || t('recorded');
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
      if (res.status === 410 || res.status === 404) { closed(res.data.message || t('unusable')); return; }
      summary(res.data.message || t('server'));
    }, function () {
      $('send').disabled = false;
      $('send').textContent = t('send');
      summary(t('offline'));
    });
  }

  function counter() {
    var used = $('suggestion').value.length;
    $('suggestion-count').textContent = used ? t('count', { n: used, max: MAX }) : '';
  }

  document.addEventListener('DOMContentLoaded', function () {
    var match = /(?:^#|&)t=([A-Za-z0-9_-]{43})(?:&|$)/.exec(location.hash);
    // English: the link of an English request says so (l=en), else the language chosen before.
    var wanted = /(?:^#|&)l=en(?:&|$)/.test(location.hash) ? 'en' : window.Remisi.lang();
    applyLanguage(wanted);
    $('survey-lang').addEventListener('click', function () { applyLanguage(lang === 'en' ? 'id' : 'en'); counter(); });
    if (match) {
      token = match[1];
      // Out of the address bar: a screenshot or a shared URL does not carry the link.
      try { history.replaceState(null, '', location.pathname + location.search); } catch (e) { /* kept */ }
    }
    if (!token) { closed(t('incomplete')); return; }
    fetch('api/survey?language=' + lang, { headers: { 'X-Survey-Token': token }, credentials: 'same-origin' }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      if (res.status !== 200) { closed(res.data.message || t('unusable')); return; }
      $('expires').textContent = res.data.expires_text;
      $('service').textContent = res.data.service;
      show('checking', false);
      show('survey', true);
    }, function () {
      closed(t('offline_check'));
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
