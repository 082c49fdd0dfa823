/* The complaint form: name, WhatsApp and/or email, category, text, optionally a tracking code.
   The server checks everything again (shared/domain/complaints.py); one idempotency key per
   form, so a retry on a bad connection files one complaint. Server text is shown with
   textContent only. */
(function () {
  'use strict';
  var R = window.Remisi;
  var rules = null;
  var FIELDS = ['name', 'whatsapp', 'email', 'category', 'text', 'tracking_code'];
  var key = null;

  function $(id) { return document.getElementById(id); }
  function en() { return R.lang() === 'en'; }
  function newKey() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return 'c-' + Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function fieldError(name, message) {
    var box = $(name + '-err'), input = $(name);
    if (!box) return;
    box.hidden = !message;
    box.textContent = message || '';
    if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  }
  function label(name) {
    var node = document.querySelector('label[for="' + name + '"]') || document.querySelector('#' + name + ' legend');
    return node ? node.textContent.replace(/\s+/g, ' ').trim() : name;
  }
  function summary(errors) {
    var names = Object.keys(errors);
    $('summary').hidden = !names.length;
    if (!names.length) return;
    $('summary-title').textContent = en() ? 'Please check your input.' : 'Periksa kembali isian Anda.';
    var list = $('summary-list');
    list.textContent = '';
    names.forEach(function (name) {
      if (!$(name)) return;
      var li = document.createElement('li'), a = document.createElement('a');
      a.href = '#' + name;
      a.textContent = label(name) + ': ' + errors[name];
      li.appendChild(a);
      list.appendChild(li);
    });
    $('summary').focus();
  }
  function message(code, params) {
    var text = rules && rules.messages[code] ? rules.messages[code][R.lang()] : code;
    return R.fill(text, params);
  }
  function category() {
    var chosen = document.querySelector('input[name="category"]:checked');
    return chosen ? chosen.value : '';
  }
  function localCheck() {
    var errors = {};
    var name = R.cleanText($('name').value);
    if (!name) errors.name = message('required');
    else if (name.length < 2) errors.name = message('too_short', { min: 2 });
    var phone = $('whatsapp').value.trim(), email = $('email').value.trim();
    if (!phone && !email) errors.whatsapp = en() ? 'Give a WhatsApp number or an email (or both) so that we can answer.' : 'Isi nomor WhatsApp atau email (atau keduanya) agar kami dapat menjawab.';
    else if (phone && !R.normalizePhone(phone, rules)) errors.whatsapp = message('invalid_phone');
    if (email && !new RegExp(rules.patterns.email).test(email.replace(/\s/g, ''))) errors.email = message('invalid_email');
    if (!category()) errors.category = message('required');
    var text = $('text').value.trim();
    if (!text) errors.text = message('required');
    else if (text.length < 20) errors.text = message('too_short', { min: 20 });
    FIELDS.forEach(function (f) { fieldError(f, errors[f]); });
    return errors;
  }
  function count() {
    var n = $('text').value.length;
    $('text-count').textContent = n + ' / 2000';
  }

  function send(event) {
    event.preventDefault();
    if (!rules) return;
    var errors = localCheck();
    if (Object.keys(errors).length) { summary(errors); return; }
    summary({});
    var body = {
      name: $('name').value, whatsapp: $('whatsapp').value, email: $('email').value,
      category: category(), text: $('text').value, tracking_code: $('tracking_code').value,
      language: R.lang(), idempotency_key: key, website: $('website').value
    };
    $('send').disabled = true;
    $('send-text').textContent = en() ? 'Sending…' : 'Mengirim…';
    post(body, 0).then(function (res) {
      $('send').disabled = false;
      $('send-text').textContent = '';
      if (res.status === 200 || res.status === 201) { done(res.data); return; }
      if (res.status === 400 && res.data.errors) {
        var shown = {};
        Object.keys(res.data.errors).forEach(function (f) {
          fieldError(f, res.data.errors[f].message);
          shown[f] = res.data.errors[f].message;
        });
        if (res.data.errors.idempotency_key || res.data.errors.website) key = newKey();
        summary(shown);
        return;
      }
      if (res.status === 409) key = newKey();  // the same key with other data: a new form
      $('send-text').textContent = res.data.message || R.ui('server');
    }, function () {
      $('send').disabled = false;
      $('send-text').textContent = R.ui('network');
    });
  }

  // A 503 means busy, nothing half-written: the same body (same key) again after a pause files
  // one complaint, whichever try got through.
  function post(body, tries) {
    return R.postJson('api/complaint', body).then(function (res) {
      if (res.status !== 503 || tries >= 2) return res;
      $('send-text').textContent = en() ? 'The service is busy; trying again…' : 'Layanan sibuk; mencoba lagi…';
      return R.wait(3000).then(function () { return post(body, tries + 1); });
    });
  }

  function done(data) {
    $('complaint').hidden = true;
    $('complaint-number').textContent = data.complaint_number;
    var via = data.channels.map(function (c) { return c === 'email' ? 'email' : 'WhatsApp'; }).join(en() ? ' and ' : ' dan ');
    $('done-text').textContent = en()
      ? 'We answer within ' + data.answer_days + ' working days by ' + via + '. Keep this number.'
      : 'Kami menjawab paling lambat ' + data.answer_days + ' hari kerja lewat ' + via + '. Simpan nomor ini.';
    $('done').hidden = false;
    $('done').focus();
  }

  document.addEventListener('DOMContentLoaded', function () {
    key = newKey();
    var code = new URLSearchParams(location.search).get('kode');
    if (code) $('tracking_code').value = code.slice(0, 20);
    $('complaint').addEventListener('submit', send);
    $('text').addEventListener('input', count);
    count();
    R.rules().then(function (loaded) { rules = loaded; });
  });
})();
