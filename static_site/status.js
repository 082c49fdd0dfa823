/* The status page: tracking code + WhatsApp/email → where the request stands; a new KTP upload
   when the request waits for one. Everything from the server is shown with textContent. */
(function () {
  'use strict';
  var R = window.Remisi;
  var rules = null;
  var last = null;  // {tracking_code, contact} of the shown result
  // After an upload the page follows the automatic steps (the check takes under a second) and
  // stops at the first state a person acts on; few asks, the lookups are rate-limited per client.
  var AUTOMATIC = { awaiting_upload: true, received: true, sdp_lookup: true };
  var FOLLOW_MS = [800, 1000, 1500, 2500, 4000, 8000];
  var following = null;

  function $(id) { return document.getElementById(id); }
  function fieldError(name, message) {
    var box = $(name + '-err'), input = $(name);
    box.hidden = !message;
    box.textContent = message || '';
    if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  }
  function summary(message) {
    $('summary').hidden = !message;
    $('summary-title').textContent = message || '';
    if (message) $('summary').focus();
  }
  function localCheck() {
    var ok = true, en = R.lang() === 'en';
    var code = $('tracking_code').value.toUpperCase().replace(/[^A-Z0-9]/g, '');
    if (code.length !== 9) {
      fieldError('tracking_code', en ? 'Enter the 9 letters/digits of the tracking code.' : 'Isi 9 huruf/angka kode pelacakan.');
      ok = false;
    } else fieldError('tracking_code', null);
    if (!$('contact').value.trim()) {
      fieldError('contact', rules ? rules.messages.required[R.lang()] : 'Wajib diisi.');
      ok = false;
    } else fieldError('contact', null);
    return ok;
  }

  function lookup(event) {
    if (event) event.preventDefault();
    clearTimeout(following);
    if (!localCheck()) { summary(R.lang() === 'en' ? 'Please check your input.' : 'Periksa kembali isian Anda.'); return; }
    summary(null);
    var query = { tracking_code: $('tracking_code').value, contact: $('contact').value, language: R.lang() };
    $('check').disabled = true;
    R.postJson('api/status', query).then(function (res) {
      $('check').disabled = false;
      if (res.status === 200) { last = query; show(res.data); return; }
      $('result').hidden = true;
      $('reupload').hidden = true;
      $('privacy').hidden = true;
      if (res.status === 400 && res.data.errors) {
        Object.keys(res.data.errors).forEach(function (f) { if ($(f + '-err')) fieldError(f, res.data.errors[f].message); });
      }
      summary(res.data.message || R.ui('server'));
    }, function () {
      $('check').disabled = false;
      summary(R.ui('network'));
    });
  }

  function follow(step) {
    following = setTimeout(function () {
      R.postJson('api/status', last, 1).then(function (res) {
        if (res.status !== 200) return;  // e.g. rate-limited: what is shown stays, "Cek status" asks again
        show(res.data, true);
        if (!AUTOMATIC[res.data.status]) { $('upload-text').textContent = ''; $('progress').hidden = true; return; }
        if (step + 1 < FOLLOW_MS.length) follow(step + 1);
      }, function () { /* offline now: what is shown stays */ });
    }, FOLLOW_MS[step]);
  }

  function show(data, quiet) {
    $('result').hidden = false;
    $('result-title').textContent = data.title;
    $('result-next').textContent = data.next;
    $('result-expected').hidden = !data.expected_answer;
    $('result-expected').textContent = data.expected_answer || '';
    $('result-rejection').hidden = !data.rejection;
    $('result-rejection').textContent = data.rejection || '';
    var list = $('timeline');
    list.textContent = '';
    data.timeline.forEach(function (entry) {
      var li = document.createElement('li');
      var time = document.createElement('time');
      time.dateTime = entry.at;
      time.textContent = R.formatTime(entry.at);
      li.appendChild(document.createTextNode(entry.text));
      li.appendChild(time);
      list.appendChild(li);
    });
    $('reupload').hidden = !data.can_upload;
    $('privacy').hidden = false;
    if (!quiet) $('result').focus();
  }

  function upload() {
    var input = $('ktp');
    fieldError('ktp', null);
    if (!input.files || !input.files.length) { fieldError('ktp', rules.messages.required[R.lang()]); input.focus(); return; }
    $('upload').disabled = true;
    $('upload-text').textContent = input.files[0].size > rules.ktp_max_bytes ? R.ui('shrinking') : '';
    R.prepareKtp(input.files[0], rules).then(function (ktp) {
      if (ktp.error) {
        var text = rules.messages[ktp.error] ? rules.messages[ktp.error][R.lang()] : R.ui(ktp.error, ktp.params || { size: R.size(input.files[0].size) });
        throw { message: text, field: true };
      }
      return R.postJson('api/reupload', {
        tracking_code: last.tracking_code, contact: last.contact, ktp_content_type: ktp.type,
        ktp_size: ktp.blob.size, language: R.lang()
      }).then(function (res) {
        if (res.status !== 200) throw { message: res.data.message || R.ui('server'), field: true };
        $('progress').hidden = false;
        return R.uploadKtp(res.data.upload, ktp.blob, {
          progress: function (f) { $('progress').value = Math.round(f * 100); $('upload-text').textContent = R.ui('uploading', { p: Math.round(f * 100) }); },
          waiting: function (s) { $('upload-text').textContent = R.ui('network_wait', { s: s }); }
        });
      });
    }).then(function () {
      $('upload').disabled = false;
      $('upload-text').textContent = EN() ? 'KTP uploaded. It is being checked now.' : 'KTP terunggah. Sedang diperiksa.';
      input.value = '';
      // The old rejection no longer holds: say what happens until the server tells more.
      $('result-title').textContent = EN() ? 'The new KTP photo is being checked' : 'Foto KTP baru sedang diperiksa';
      $('result-next').textContent = '';
      $('result-rejection').hidden = true;
      $('result-rejection').textContent = '';
      follow(0);
    }, function (err) {
      $('upload').disabled = false;
      $('upload-text').textContent = '';
      if (err && err.field) fieldError('ktp', err.message);
      else $('upload-text').textContent = R.ui(err && err.kind === 'refused' ? 'upload_refused' : 'upload_failed');
    });
  }
  function EN() { return R.lang() === 'en'; }

  // A request about one's data, proven with the code and contact the result was shown for.
  function askPrivacy() {
    fieldError('note', null);
    $('pv-text').textContent = '';
    $('pv_send').disabled = true;
    R.postJson('api/privacy_request', {
      tracking_code: last.tracking_code, contact: last.contact, kind: $('pv_kind').value,
      note: $('note').value, language: R.lang()
    }).then(function (res) {
      $('pv_send').disabled = false;
      if (res.status === 201 || res.status === 200) {
        $('pv-text').textContent = EN()
          ? 'Request received. A receipt is on its way to your WhatsApp and email.'
          : 'Permintaan diterima. Tanda terima dikirim ke WhatsApp dan email Anda.';
        return;
      }
      if (res.status === 400 && res.data.errors && res.data.errors.note) {
        fieldError('note', res.data.errors.note.message);
        return;
      }
      $('pv-text').textContent = res.data.message || R.ui('server');
    }, function () {
      $('pv_send').disabled = false;
      $('pv-text').textContent = R.ui('network');
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var params = new URLSearchParams(location.search);
    var code = params.get('kode');
    if (code) $('tracking_code').value = code.slice(0, 20);
    try {
      var saved = JSON.parse(sessionStorage.getItem('remisi-last') || 'null');
      if (saved && code && saved.code === code && saved.contact) $('contact').value = saved.contact;
    } catch (e) { /* nothing saved */ }
    $('lookup').addEventListener('submit', lookup);
    $('upload').addEventListener('click', upload);
    $('pv_send').addEventListener('click', askPrivacy);
    R.rules().then(function (loaded) { rules = loaded; });
    // The status texts come from the server in the language asked for: ask again on a switch.
    document.addEventListener('remisi:lang', function () { if (last) lookup(); });
  });
})();
