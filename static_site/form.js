/* The request form: the server's rules (form-rules.json) checked before sending, the server's
   own 400 answers shown at the same places, then the KTP upload with progress and retries. */
(function () {
  'use strict';
  var R = window.Remisi;
  var rules = null;
  var errors = {};        // field -> {code, params} or {text} (a server message)
  var attempted = false;  // after the first submit, fields are re-checked as they change
  var ktp = null;         // {blob, type} ready to upload
  var pending = null;     // {answer, blob, payload} when the upload still has to happen
  var FIELDS = ['requester_name', 'relationship', 'relationship_other', 'address', 'whatsapp', 'email', 'ktp',
    'prisoner_name', 'prisoner_upt', 'prisoner_birth_date', 'prisoner_registration_number',
    'information_needed', 'information_other', 'statement_accepted', 'statement_date', 'consent_accepted'];
  // Server field names that belong to another element on the page.
  var SERVER_FIELD = { ktp_content_type: 'ktp', ktp_size: 'ktp' };
  // The checkboxes' labels are whole sentences: the error summary names them shortly.
  var SUMMARY_LABEL = {
    statement_accepted: { id: 'Pernyataan kebenaran data', en: 'Statement that the data is true' },
    consent_accepted: { id: 'Persetujuan pemrosesan data pribadi', en: 'Consent to processing personal data' }
  };
  function typed(el) { return el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && /^(text|tel|email)$/.test(el.type)); }

  function $(id) { return document.getElementById(id); }
  function form() { return $('form'); }
  function value(name) { var el = form().elements[name]; return el ? el.value : ''; }
  function checkedValues(name) {
    return Array.prototype.filter.call(form().querySelectorAll('input[name="' + name + '"]'), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
  }
  function msg(code, params) {
    var texts = rules.messages[code];
    return R.fill(texts[R.lang()] || texts.id, params);
  }
  // As the server (shared/domain/form.py): NFKC first, every script's digits as ASCII digits.
  function nfkc(text) { return String(text).normalize('NFKC'); }
  function asciiDigits(text) {
    return Array.prototype.map.call(String(text), function (ch) {
      var cp = ch.codePointAt(0);
      if (cp < 0x80) return ch;
      for (var i = 0; i < rules.digit_zeros.length; i++) {
        var zero = rules.digit_zeros[i];
        if (cp >= zero && cp < zero + 10) return String(cp - zero);
      }
      return ch;
    }).join('');
  }
  function hasControl(text) { return /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/.test(text); }

  // --- the server's rules, field by field (shared/domain/form.py parse_submission) ----------
  function checkText(name, required, multiline) {
    var raw = value(name);
    if (!raw.trim()) return required ? { code: 'required' } : null;
    if (hasControl(multiline ? raw.replace(/[\r\n]/g, ' ') : raw)) return { code: 'invalid_text' };
    var text = R.cleanText(nfkc(raw)), lim = rules.limits[name];
    if (text.length < lim.min) return { code: 'too_short', params: { min: lim.min } };
    if (text.length > lim.max) return { code: 'too_long', params: { max: lim.max } };
    return null;
  }
  function checkName(name) {
    var err = checkText(name, true);
    if (err) return err;
    var raw = value(name).normalize('NFC');
    // Full-width or other compatibility forms, then Latin mixed with look-alikes (a Cyrillic і).
    if (nfkc(raw) !== raw) return { code: 'name_special_forms' };
    var all = raw.match(/\p{L}/gu) || [], latin = raw.match(/\p{Script=Latin}/gu) || [];
    if (all.length && latin.length < all.length) return { code: latin.length ? 'name_mixed_script' : 'name_not_latin' };
    var text = R.cleanText(nfkc(raw));
    var letters = (text.match(/\p{L}/gu) || []).length;
    if (letters < 2 || !/^[\p{L} .,'-]+$/u.test(text)) return { code: 'invalid_name' };
    return null;
  }
  function checkDate(name, required) {
    var raw = value(name);
    if (!raw) return required ? { code: 'required' } : null;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || isNaN(Date.parse(raw))) return { code: 'invalid_date' };
    if (raw > R.wibToday()) return { code: 'date_in_future' };
    return null;
  }

  function check(name) {
    var rel = checkedValues('relationship')[0];
    var info = checkedValues('information_needed');
    switch (name) {
      case 'requester_name': case 'prisoner_name': return checkName(name);
      case 'relationship': return rel ? null : { code: 'required' };
      case 'relationship_other': return rel === 'lainnya' ? checkText(name, true) : null;
      case 'address': return checkText(name, true, true);
      case 'whatsapp':
        if (!value(name).trim()) return { code: 'required' };
        var phone = asciiDigits(nfkc(value(name))).trim();
        if (phone.length > 30 || !/^\+?[0-9 ().-]+$/.test(phone)) return { code: 'invalid_phone' };
        return R.normalizePhone(phone, rules) ? null : { code: 'invalid_phone' };
      case 'email':
        var err = checkText(name, true);
        if (err) return err;
        var email = nfkc(value(name)).replace(/\s/g, '');
        return new RegExp(rules.patterns.email).test(email) && email.indexOf('..') < 0 ? null : { code: 'invalid_email' };
      case 'ktp':
        var input = $('ktp');
        if (!input.files || !input.files.length) return { code: 'required' };
        if (ktp && ktp.error) return ktp.error in rules.messages ? { code: ktp.error } : { ui: ktp.error, params: ktp.params };
        return null;
      case 'prisoner_upt': case 'prisoner_registration_number': return checkText(name, false);
      case 'prisoner_birth_date': return checkDate(name, false);
      case 'information_needed': return info.length ? null : { code: 'choose_at_least_one' };
      case 'information_other': return info.indexOf('lainnya') >= 0 ? checkText(name, true, true) : null;
      case 'statement_accepted': case 'consent_accepted': return $(name).checked ? null : { code: 'must_accept' };
      case 'statement_date':
        var d = checkDate(name, true);
        return d || (value(name) === R.wibToday() ? null : { code: 'statement_date_not_today' });
    }
    return null;
  }

  // --- showing errors --------------------------------------------------------------------
  function text(err) {
    if (err.text) return err.text;
    if (err.ui) return R.ui(err.ui, err.params);
    return msg(err.code, err.params);
  }
  function labelOf(name) {
    if (SUMMARY_LABEL[name]) return SUMMARY_LABEL[name][R.lang()] || SUMMARY_LABEL[name].id;
    var el = $(name);
    var label = el && el.tagName === 'FIELDSET' ? el.querySelector('legend') : document.querySelector('label[for="' + name + '"]');
    if (!label && el) label = el.closest('label');
    var t = label ? label.textContent : name;
    return R.cleanText(t).replace(/\s*\((opsional|optional)\)$/, '').replace(/[.:;]+$/, '');
  }
  function showField(name) {
    var el = $(name), box = $(name + '-err'), err = errors[name];
    if (!box) return;
    box.hidden = !err;
    box.textContent = err ? text(err) : '';
    if (el) {
      if (err) el.setAttribute('aria-invalid', 'true'); else el.removeAttribute('aria-invalid');
    }
  }
  function render(focusSummary) {
    FIELDS.forEach(showField);
    var names = FIELDS.filter(function (n) { return errors[n]; });
    var general = errors._general;
    var summary = $('summary'), list = $('summary-list');
    list.textContent = '';
    if (!names.length && !general) { summary.hidden = true; return; }
    $('summary-title').textContent = general && !names.length ? text(general) : R.ui('summary', { n: names.length });
    names.forEach(function (n) {
      var li = document.createElement('li'), a = document.createElement('a');
      a.href = '#' + n;
      a.dataset.field = n;
      a.textContent = labelOf(n) + ': ' + text(errors[n]);
      a.addEventListener('click', function (e) { e.preventDefault(); focusField(n); });
      li.appendChild(a);
      list.appendChild(li);
    });
    summary.hidden = false;
    if (focusSummary) summary.focus();
  }
  // After a submit, one field changed: its own line follows, but the summary keeps its lines
  // as they are (a fixed one is struck through) so that nothing above the finger moves.
  function refresh(name) {
    showField(name);
    var links = $('summary-list').querySelectorAll('a');
    for (var i = 0; i < links.length; i++) {
      var n = links[i].dataset.field;
      // Its text stays as it was: a new text could wrap to another line count.
      links[i].parentNode.className = errors[n] ? '' : 'fixed';
    }
  }
  function recheck(name) {
    var err = check(name);
    if (err) errors[name] = err; else delete errors[name];
    refresh(name);
  }

  function focusField(name) {
    var el = $(name);
    if (el && el.tagName === 'FIELDSET') el = el.querySelector('input');
    if (el) { el.focus(); el.scrollIntoView({ block: 'center' }); }
  }
  function validateAll() {
    errors = {};
    FIELDS.forEach(function (n) { var e = check(n); if (e) errors[n] = e; });
    return !Object.keys(errors).length;
  }

  // --- dynamic parts -------------------------------------------------------------------
  function toggles() {
    $('relationship_other-box').hidden = checkedValues('relationship')[0] !== 'lainnya';
    $('information_other-box').hidden = checkedValues('information_needed').indexOf('lainnya') < 0;
  }

  function onFile() {
    var input = $('ktp'), info = $('ktp-info');
    ktp = null;
    info.textContent = '';
    if (!input.files || !input.files.length) { if (attempted) recheck('ktp'); return Promise.resolve(); }
    var file = input.files[0];
    if (file.size > rules.ktp_max_bytes && /^image\//.test(file.type)) info.textContent = R.ui('shrinking');
    var preparing = R.prepareKtp(file, rules).then(function (result) {
      if (input.files[0] !== file) return;  // another file was chosen meanwhile
      ktp = result;
      if (result.error === 'pdf_too_large') result.params = { size: R.size(file.size) };
      if (result.error) info.textContent = '';
      else if (result.shrunkFrom) info.textContent = R.ui('shrunk', { from: R.size(result.shrunkFrom), to: R.size(result.blob.size) });
      else info.textContent = R.ui('chosen', { name: file.name, size: R.size(file.size) });
      var err = check('ktp');
      if (err) errors.ktp = err; else delete errors.ktp;
      if (attempted) refresh('ktp'); else showField('ktp');
      if (!err && pending && pending.needsUrl) renewForNewFile();
    });
    input.preparing = preparing;
    return preparing;
  }

  function payload() {
    var key = sessionStorage.getItem('remisi-key');
    if (!key) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      key = Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
      sessionStorage.setItem('remisi-key', key);
    }
    var rel = checkedValues('relationship')[0];
    var info = checkedValues('information_needed');
    function opt(name) { var v = value(name).trim(); return v ? v : null; }
    return {
      requester_name: value('requester_name'), relationship: rel || null,
      relationship_other: rel === 'lainnya' ? value('relationship_other') : null,
      address: value('address'), whatsapp: value('whatsapp'), email: value('email'),
      prisoner_name: value('prisoner_name'), prisoner_upt: opt('prisoner_upt'),
      prisoner_birth_date: opt('prisoner_birth_date'), prisoner_registration_number: opt('prisoner_registration_number'),
      information_needed: info, information_other: info.indexOf('lainnya') >= 0 ? value('information_other') : null,
      statement_accepted: $('statement_accepted').checked, statement_date: value('statement_date'),
      consent_accepted: $('consent_accepted').checked, language: R.lang(),
      ktp_content_type: ktp && ktp.type, ktp_size: ktp && ktp.blob ? ktp.blob.size : 0, idempotency_key: key,
      // The honeypot as the page holds it: empty unless something filled the hidden field.
      website: value(rules.honeypot), turnstile_token: captcha.token()
    };
  }

  // --- Cloudflare Turnstile, only when the build gave a site key and the widget's script
  //     (the turnstile-site-key meta's content and data-script); else nothing is loaded ---
  var captcha = {
    widget: null,
    start: function () {
      var meta = document.querySelector('meta[name="turnstile-site-key"]');
      var key = meta ? meta.content : '', src = meta ? meta.getAttribute('data-script') : '';
      if (!key || !src) return;
      window.remisiTurnstileReady = function () {
        $('turnstile').hidden = false;
        captcha.widget = window.turnstile.render('#turnstile', { sitekey: key, action: 'submit', language: R.lang() });
      };
      var script = document.createElement('script');
      script.src = src + (src.indexOf('?') < 0 ? '?' : '&') + 'render=explicit&onload=remisiTurnstileReady';
      script.async = true;
      document.head.appendChild(script);
    },
    token: function () { return captcha.widget !== null && window.turnstile ? window.turnstile.getResponse(captcha.widget) || '' : ''; },
    // A token is good once: after any answer the next submit needs a new one.
    reset: function () { if (captcha.widget !== null && window.turnstile) window.turnstile.reset(captcha.widget); }
  };

  function busy(on) {
    $('submit').disabled = on;
    $('sending').hidden = !on && !pending;
  }
  function progressText(t) { $('sending-text').textContent = t; }

  function submit(event) {
    event.preventDefault();
    attempted = true;
    var preparing = $('ktp').preparing || Promise.resolve();
    $('submit').disabled = true;
    preparing.then(function () {
      $('submit').disabled = false;
      if (!validateAll()) { render(true); return; }
      render();
      if (pending) { if (!pending.needsUrl && pending.answer.upload) upload(); return; }
      var body = payload();
      busy(true);
      $('progress').value = 0;
      progressText(R.ui('sending_form'));
      R.postJson('api/submit', body).then(function (res) {
        if (res.status !== 200 && res.status !== 201) captcha.reset();
        if (res.status === 400 && res.data.errors) {
          busy(false);
          errors = {};
          Object.keys(res.data.errors).forEach(function (field) {
            var target = SERVER_FIELD[field] || field;
            errors[FIELDS.indexOf(target) >= 0 ? target : '_general'] = { text: res.data.errors[field].message };
          });
          render(true);
          return;
        }
        if (res.status === 409) sessionStorage.removeItem('remisi-key');
        if (res.status !== 200 && res.status !== 201) {
          busy(false);
          errors = { _general: { text: res.data.message || R.ui('server') } };
          render(true);
          return;
        }
        pending = { answer: res.data, blob: ktp.blob, contact: body.whatsapp };
        if (!res.data.upload) { finish(); return; }
        upload();
      }, function () {
        busy(false);
        errors = { _general: { ui: 'network' } };
        render(true);
      });
    });
  }

  function upload() {
    var answer = pending.answer;
    busy(true);
    $('retry').hidden = true;
    $('sending-code').hidden = false;
    $('sending-code-value').textContent = answer.tracking_code;
    R.uploadKtp(answer.upload, pending.blob, {
      progress: function (f) {
        var p = Math.round(f * 100);
        $('progress').value = p;
        progressText(R.ui('uploading', { p: p }));
      },
      waiting: function (s) { progressText(R.ui('network_wait', { s: s })); },
      renew: function () {
        return R.postJson('api/reupload', {
          tracking_code: answer.tracking_code, contact: pending.contact,
          ktp_content_type: answer.upload.headers['Content-Type'], ktp_size: pending.blob.size, language: R.lang()
        }).then(function (res) {
          if (res.status !== 200) throw { kind: 'refused' };
          return res.data.upload;
        });
      }
    }).then(finish, function (err) {
      $('submit').disabled = false;
      if (err && err.kind === 'refused') {
        // Only a new file helps; the request waits for it (a fresh URL comes from reupload).
        answer.upload = null;
        pending.needsUrl = true;
        errors = { ktp: { ui: 'upload_refused' } };
        render(true);
        $('sending').hidden = true;
        return;
      }
      progressText(R.ui('upload_failed'));
      $('retry').hidden = false;
      $('retry').focus();
    });
  }

  function finish() {
    sessionStorage.removeItem('remisi-key');
    try { sessionStorage.setItem('remisi-last', JSON.stringify({ code: pending.answer.tracking_code, contact: pending.contact, expected: pending.answer.expected_answer })); } catch (e) { /* ignore */ }
    progressText(R.ui('done'));
    location.href = 'selesai.html#' + encodeURIComponent(pending.answer.tracking_code);
  }

  // A new file after the storage refused one: a new signed URL for it; then "Kirim" uploads.
  function renewForNewFile() {
    R.postJson('api/reupload', {
      tracking_code: pending.answer.tracking_code, contact: pending.contact,
      ktp_content_type: ktp.type, ktp_size: ktp.blob.size, language: R.lang()
    }).then(function (res) {
      if (res.status !== 200) { errors = { ktp: { text: res.data.message || R.ui('server') } }; render(true); return; }
      pending.answer.upload = res.data.upload;
      pending.blob = ktp.blob;
      pending.needsUrl = false;
    }, function () { errors = { _general: { ui: 'network' } }; render(true); });
  }

  function retryUpload() {
    if (pending.needsUrl || !pending.answer.upload) return;
    upload();
  }

  document.addEventListener('DOMContentLoaded', function () {
    var f = form();
    f.elements.statement_date.value = R.wibToday();
    R.rules().then(function (loaded) {
      rules = loaded;
      f.addEventListener('submit', submit);
      f.addEventListener('change', function (e) {
        toggles();
        if (e.target.id === 'ktp') { onFile(); return; }
        if (!attempted) return;
        var name = e.target.name;
        // A text field changes on blur, i.e. in the middle of a tap somewhere else: its line
        // was already brought up to date while typing, and nothing may move now.
        if (typed(e.target)) return;
        recheck(name);
        if (name === 'relationship') { delete errors.relationship_other; refresh('relationship_other'); }
        if (name === 'information_needed') { delete errors.information_other; refresh('information_other'); }
      });
      // While typing (the finger is on the keyboard) a shown error follows the text: it is
      // updated or cleared, never added; new errors wait for the next submit.
      f.addEventListener('input', function (e) {
        var name = e.target.name;
        if (attempted && errors[name] && typed(e.target)) recheck(name);
      });
      $('retry').addEventListener('click', retryUpload);
      toggles();
      captcha.start();
    });
    document.addEventListener('remisi:lang', function () { if (rules) render(); });
  });
})();
