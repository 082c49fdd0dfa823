/* Shared by every page: language switch, office details, rules, API calls, KTP preparation and
   upload. No framework: plain DOM, and only textContent for anything that comes from outside. */
(function () {
  'use strict';

  // English for every data-i18n key; the Indonesian text is the page itself (works without JS).
  var EN = {
    title: 'Remission Information Service', nav_status: 'Check request status', nav_privacy: 'Privacy notice',
    nav_form: 'Request form',
    intro: 'Fill in this form to ask for remission information about a prisoner or a child in custody. The service is free of charge. The answer is sent by WhatsApp and email.',
    intro_need: 'Have a photo of your KTP (ID card) ready (JPG, PNG or PDF). Fields marked (optional) may be left empty.',
    s_requester: 'About you', requester_name: 'Your full name',
    relationship: 'Your relationship to the prisoner/child', rel_ayah_ibu: 'Father/Mother',
    rel_suami_istri: 'Husband/Wife', rel_anak: 'Child', rel_kakak_adik: 'Brother/Sister',
    rel_paman_bibi: 'Uncle/Aunt', rel_kakek_nenek: 'Grandfather/Grandmother',
    rel_pengacara: 'Lawyer/Legal representative', rel_lainnya: 'Other',
    relationship_other: 'Describe your relationship', address: 'Your address',
    address_hint: 'Street, number, RT/RW, village, city/regency.', whatsapp: 'Active WhatsApp number',
    whatsapp_hint: 'Example: 0812 3456 7890. The answer is sent to this number.', email: 'Active email',
    email_hint: 'The answer is also sent to this email.', ktp: 'Photo of your KTP (ID card)',
    ktp_hint: 'JPG, PNG or PDF. Photos over 2 MB are made smaller automatically; PDFs at most 2 MB.',
    s_prisoner: 'About the prisoner/child', prisoner_name: 'Name of the prisoner/child',
    prisoner_name_hint: 'As written in the verdict or their ID, including bin/binti if any.',
    prisoner_upt: 'Prison/detention centre/LPKA where held', optional: '(optional)',
    prisoner_birth_date: 'Date of birth of the prisoner/child', prisoner_reg: 'Registration number',
    information_needed: 'Information you need', inf_riwayat_remisi: 'Remission history and total',
    inf_tanggal_bebas: 'Expected release date', inf_pembebasan_bersyarat: 'Conditional release (PB/CB) eligibility',
    inf_status_sk: 'Remission decree (SK) status', inf_lainnya: 'Other',
    information_other: 'Describe the information you need', s_statement: 'Statement',
    statement: 'I declare that the data I entered is true and I am accountable for it.',
    statement_date: 'Date of the statement',
    consent: 'I agree that my personal data, including my KTP photo, is processed only to answer this request, as described in the',
    consent_link: 'privacy notice', sending: 'Sending…', your_code: 'Your tracking code:',
    retry_upload: 'Try uploading again', submit: 'Send request', free: 'This service is free of charge.',
    // confirmation
    done_title: 'Request received', done_code: 'Your tracking code', copy: 'Copy code',
    done_keep: 'Write this code down or take a screenshot. You need it, with your WhatsApp number or email, to check the status.',
    next_title: 'What happens next', next_1: 'An officer verifies the prisoner/child in the corrections database (SDP): about 3 minutes in office hours.',
    next_2: 'If the data is not in SDP, you are told by WhatsApp and email: about 5 minutes.',
    next_3: 'If the data is found, the information you asked for is sent by WhatsApp and email: about 5 minutes.',
    done_status: 'Check the status of this request', done_new: 'Fill in another request', copied: 'Code copied.',
    done_missing: 'No tracking code on this page. Open the status page and enter the code you noted.',
    // status
    st_title: 'Check request status', st_intro: 'Enter the tracking code and the WhatsApp number or email you used on the form.',
    tracking_code: 'Tracking code', tracking_hint: 'Example: ACE-FGH-JK3', contact: 'WhatsApp number or email',
    st_check: 'Check status', st_now: 'Status now', st_history: 'History', st_upload_title: 'Upload your KTP again',
    st_pv_title: 'A request about your personal data',
    st_pv_hint: 'Under Law 27 of 2022. An administrator handles it; a receipt is sent to your WhatsApp and email.',
    st_pv_kind: 'What you ask for', st_pv_akses: 'A copy of my data (with the KTP photo)',
    st_pv_koreksi: 'Correction of wrong data', st_pv_hapus: 'Deletion of my data (once the request is finished)',
    st_pv_note: 'Note (needed for a correction: which data and the right value)', st_pv_send: 'Send request',
    st_upload: 'Upload KTP', st_checking: 'Checking…', st_uploaded: 'KTP uploaded. It is being checked now.',
    // privacy
    pv_title: 'Privacy notice', pv_who: 'Who processes your data', pv_who_text: 'The personal data controller is',
    pv_purpose: 'What for',
    pv_purpose_text: 'Your data is used only to answer this request for remission information: to confirm your identity, to find the prisoner/child in the corrections database (SDP), and to send the answer by WhatsApp and email. It is not used for anything else and is not sold.',
    pv_what: 'Which data',
    pv_what_text: 'Name, relationship to the prisoner/child, address, WhatsApp number, email, KTP photo, the name and details of the prisoner/child, the information asked for, and your statement and consent. Data about criminal matters and about children is specific personal data under Law 27 of 2022 and is guarded more strictly.',
    pv_keep: 'How long it is kept',
    pv_keep_text: 'The KTP photo is deleted 30 days after the request is finished (answered, expired or failed), and in any case at most 90 days after the request was made. The personal data of the request (names, address, WhatsApp number, email, the prisoner/child\'s details and the answer) is deleted at most 90 days after the request is finished; only figures without identity remain for the monthly reports (month, outcome, relationship, kind of information, time per step). A request that is not finished is never deleted silently: after 30 days the officers are alerted. The KTP photo is kept in closed storage; only authorised officers can see it, through links that are valid briefly. Location (GPS) and other hidden data in the photo are removed when the photo is received.',
    pv_keep_more: 'Your WhatsApp replies and the officers\' answers on WhatsApp are kept with the request; their texts are deleted with the personal data of the request, at most 90 days after the request is finished (only the direction and time of each message remain). WhatsApp messages that cannot be tied to any request (their text and the sender\'s number) are deleted 30 days after they are received. The personal data of a complaint (name, WhatsApp number, email, the complaint and its answer) is deleted 90 days after the complaint is answered, and the complaint itself one year after it was received; only figures without identity remain for the monthly reports (category, when received and answered). Satisfaction survey answers are kept without a name, number, email or tracking code and hold no reference to your request, so they cannot be erased per person; do not write personal data in the suggestion field.',
    pv_share: 'Who receives it',
    pv_share_text: 'The remission service officers. Answers are sent through WhatsApp and email services acting as processors; messages do not contain the KTP number. This site loads no third-party scripts, fonts or ads.',
    pv_rights: 'Your rights (Law 27 of 2022)', pv_r1: 'To be informed about the processing of your data and to get a copy: an administrator exports all the data of your request with the KTP photo still kept.',
    pv_r2: 'To correct wrong or incomplete data: tell us the correction; if the request must be made again, submit a new one with the right data and ask for the old one to be deleted.',
    pv_r3: 'To ask for deletion and to withdraw consent: once the request is finished, its KTP photo and personal data are deleted and only figures without identity remain for the reports. A request still in progress is answered or expires first.',
    pv_r4: 'To object and to complain.', pv_r5: 'To be told within 3 × 24 hours if the protection of your personal data fails.',
    pv_contact: 'Contact', pv_contact_text: 'To use your rights, open the status page, enter your tracking code and the WhatsApp number or email you used, and send a request about your personal data (a receipt goes to your WhatsApp and email). Or give both and contact:',
    pv_email: 'Email:', pv_phone: 'Phone:',
    // complaints (pengaduan.html) and the footer of every page
    ft_complain: 'A complaint about this service?', ft_form: 'File a complaint', ft_standard: 'Service standard',
    cp_title: 'Complaints about the service',
    cp_intro: 'Tell us about a problem, a suggestion or feedback on the remission information service. The answer comes by the WhatsApp number and/or email you give, within the time set in the service standard.',
    cp_lapor: 'You can also complain through the national complaint channel', cp_done: 'Complaint received',
    cp_number: 'Your complaint number:', cp_name: 'Your name',
    cp_contact_hint: 'Give a WhatsApp number or an email, or both: the answer is sent there.',
    cp_category: 'What is your complaint about?', cat_lambat: 'Slow or no answer',
    cat_jawaban_tidak_sesuai: 'Wrong or incomplete answer', cat_perilaku_petugas: 'Conduct of an officer',
    cat_pungutan_biaya: 'Asked to pay / illegal levy', cat_data_pribadi: 'Personal data',
    cat_kendala_situs: 'Problem with the site or form', cat_lainnya: 'Other', cp_text: 'Your complaint',
    cp_text_hint: 'Tell what happened (20–2000 characters). Do not write your KTP number.',
    cp_code: 'Tracking code of your request',
    cp_code_hint: 'If the complaint is about your request. The code is checked with the WhatsApp number or email above.',
    cp_send: 'Send complaint'
  };
  var UI = {
    id: {
      summary: 'Ada {n} isian yang perlu diperbaiki', shrinking: 'Memperkecil foto…',
      shrunk: 'Foto diperkecil dari {from} menjadi {to}.', chosen: 'Berkas: {name} ({size}).',
      pdf_too_large: 'PDF lebih dari 2 MB ({size}). Perkecil PDF atau kirim foto KTP (JPG) saja.',
      shrink_failed: 'Foto tidak dapat diperkecil di perangkat ini. Pilih foto lain yang lebih kecil dari 2 MB.',
      image_unreadable: 'Foto tidak dapat dibuka. Pilih foto JPG atau PNG lain.',
      ktp_not_ktp: 'Isi berkas ini bukan foto JPG/PNG atau PDF, walaupun namanya {name}. Pilih foto KTP yang asli.',
      sending_form: 'Mengirim formulir…', uploading: 'Mengunggah foto KTP… {p}%',
      network_wait: 'Koneksi terputus. Mencoba lagi dalam {s} detik…',
      upload_failed: 'Unggahan gagal karena koneksi. Tekan "Coba unggah lagi". Permohonan Anda sudah tercatat; Anda juga bisa mengunggah nanti di halaman Cek status.',
      upload_refused: 'Server menolak berkas ini. Pilih berkas KTP lain lalu kirim lagi.',
      network: 'Tidak dapat terhubung. Periksa koneksi internet lalu coba lagi.',
      server: 'Terjadi kendala pada server. Coba lagi beberapa saat lagi.',
      done: 'Selesai.', lang_other: 'English'
    },
    en: {
      summary: '{n} fields need fixing', shrinking: 'Making the photo smaller…',
      shrunk: 'Photo made smaller from {from} to {to}.', chosen: 'File: {name} ({size}).',
      pdf_too_large: 'The PDF is larger than 2 MB ({size}). Make the PDF smaller or send a photo (JPG) of the KTP instead.',
      shrink_failed: 'The photo cannot be made smaller on this device. Choose another photo under 2 MB.',
      image_unreadable: 'The photo cannot be opened. Choose another JPG or PNG photo.',
      ktp_not_ktp: 'This file is not a JPG/PNG photo or a PDF inside, although it is named {name}. Choose the real KTP photo.',
      sending_form: 'Sending the form…', uploading: 'Uploading the KTP photo… {p}%',
      network_wait: 'Connection lost. Trying again in {s} seconds…',
      upload_failed: 'The upload failed because of the connection. Press "Try uploading again". Your request is recorded; you can also upload later on the status page.',
      upload_refused: 'The server refused this file. Choose another KTP file and send again.',
      network: 'Cannot connect. Check the internet connection and try again.',
      server: 'A server problem occurred. Try again in a moment.',
      done: 'Done.', lang_other: 'Bahasa Indonesia'
    }
  };

  var lang = 'id';
  try {
    var wanted = new URLSearchParams(location.search).get('lang') || localStorage.getItem('remisi-lang');
    if (wanted === 'en' || wanted === 'id') lang = wanted;
  } catch (e) { /* storage blocked: Indonesian */ }

  function fill(text, params) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return params && k in params ? params[k] : m; });
  }
  function ui(key, params) { return fill(UI[lang][key] || UI.id[key], params); }

  function applyLanguage(next) {
    lang = next;
    document.documentElement.lang = lang;
    var nodes = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      if (el.dataset.idText === undefined) el.dataset.idText = el.textContent;
      el.textContent = lang === 'en' ? (EN[el.dataset.i18n] || el.dataset.idText) : el.dataset.idText;
    }
    var button = document.getElementById('lang');
    if (button) {
      button.textContent = ui('lang_other');
      button.lang = lang === 'en' ? 'id' : 'en';
    }
    if (document.body.dataset.titleEn) {
      if (!document.body.dataset.titleId) document.body.dataset.titleId = document.title;
      document.title = lang === 'en' ? document.body.dataset.titleEn : document.body.dataset.titleId;
    }
    try { localStorage.setItem('remisi-lang', lang); } catch (e) { /* ignore */ }
    document.dispatchEvent(new CustomEvent('remisi:lang'));
  }

  function getJson(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    });
  }

  // POST JSON; network failures are retried with the same body (the server is idempotent for
  // submit through its idempotency key), HTTP answers are returned as they are.
  function postJson(url, body, tries) {
    tries = tries || 3;
    function attempt(n) {
      return fetch(url, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
      }, function (err) {
        if (n + 1 >= tries) throw { network: true, cause: err };
        return wait(1500 * Math.pow(2, n)).then(function () { return attempt(n + 1); });
      });
    }
    return attempt(0);
  }

  function wait(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

  function size(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1).replace('.', lang === 'id' ? ',' : '.') + ' MB'
      : Math.max(1, Math.round(bytes / 1024)) + ' KB';
  }

  // The server's normaliser (shared/domain/form.py normalize_whatsapp), with the pattern from
  // form-rules.json; the browser tests compare both on the same inputs.
  function normalizePhone(raw, rules) {
    var digits = String(raw).replace(/[\s().-]/g, '');
    if (digits.charAt(0) === '+') digits = digits.slice(1);
    if (!/^\d+$/.test(digits)) return null;
    var national;
    if (digits.indexOf('62') === 0) national = digits.slice(2);
    else if (digits.charAt(0) === '0') national = digits.slice(1);
    else national = digits;
    if (national.charAt(0) === '0') national = national.replace(/^0+/, '');
    if (!new RegExp(rules.patterns.mobile_national).test(national)) return null;
    return '+62' + national;
  }

  function cleanText(raw) {
    return String(raw).normalize('NFC').split(/\s+/).filter(Boolean).join(' ');
  }

  // --- KTP preparation ---------------------------------------------------------------------

  function loadImage(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file).catch(function () { return loadImageElement(file); });
    }
    return loadImageElement(file);
  }
  function loadImageElement(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { reject(new Error('decode')); };
      img.src = url;
    });
  }
  function toBlob(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, 'image/jpeg', quality); });
  }

  // Re-encode a photo as JPEG, smaller each round, until it is under the limit. A KTP stays
  // readable at 2000 px on the long side; lower quality first, then fewer pixels.
  function shrinkImage(file, maxBytes) {
    return loadImage(file).then(function (img) {
      var w = img.width, h = img.height;
      var scale = Math.min(1, 2000 / Math.max(w, h));
      var quality = 0.85;
      var canvas = document.createElement('canvas');
      function round(n) {
        canvas.width = Math.max(1, Math.round(w * scale));
        canvas.height = Math.max(1, Math.round(h * scale));
        var ctx = canvas.getContext('2d');
        ctx.fillStyle = '#fff';  // PNG transparency becomes white, not black
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        return toBlob(canvas, quality).then(function (blob) {
          if (blob && blob.size < maxBytes) return blob;
          if (n >= 8 || !blob) throw new Error('shrink');
          if (quality > 0.6) quality -= 0.1; else scale *= 0.8;
          return round(n + 1);
        });
      }
      return round(0).then(function (blob) {
        canvas.width = canvas.height = 0;  // free the pixels now on low-memory phones
        if (img.close) img.close();
        return blob;
      });
    });
  }

  // The file's real type from its first bytes, as the server's check reads them (the name and
  // the phone's guess are only labels): JPEG, PNG or PDF, else null.
  var MAGIC = [
    ['image/jpeg', [0xff, 0xd8, 0xff]],
    ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
    ['application/pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]]  // %PDF-
  ];
  function sniffType(file) {
    var head = file.slice(0, 8);
    var read = head.arrayBuffer ? head.arrayBuffer() : new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = reject;
      reader.readAsArrayBuffer(head);
    });
    return read.then(function (buffer) {
      var bytes = new Uint8Array(buffer);
      for (var i = 0; i < MAGIC.length; i++) {
        var sig = MAGIC[i][1], ok = bytes.length >= sig.length;
        for (var j = 0; ok && j < sig.length; j++) ok = bytes[j] === sig[j];
        if (ok) return MAGIC[i][0];
      }
      return null;
    }, function () { return null; });
  }

  // What will be uploaded: {blob, type} or {error: message key, params}.
  function prepareKtp(file, rules) {
    var types = rules.ktp_content_types;
    var named = file.type || (/\.pdf$/i.test(file.name) ? 'application/pdf' : /\.png$/i.test(file.name) ? 'image/png' : /\.jpe?g$/i.test(file.name) ? 'image/jpeg' : '');
    if (types.indexOf(named) < 0) return Promise.resolve({ error: 'ktp_type' });
    if (file.size === 0) return Promise.resolve({ error: 'ktp_empty' });
    return sniffType(file).then(function (type) {
      if (!type || types.indexOf(type) < 0) return { error: 'ktp_not_ktp', params: { name: file.name } };
      return prepareTyped(file, type, rules.ktp_max_bytes);
    });
  }
  function prepareTyped(file, type, max) {
    if (type === 'application/pdf') {
      return Promise.resolve(file.size > max ? { error: 'pdf_too_large' } : { blob: file, type: type });
    }
    if (file.size <= max) return Promise.resolve({ blob: file, type: type });
    return shrinkImage(file, max).then(function (blob) {
      return { blob: blob, type: 'image/jpeg', shrunkFrom: file.size };
    }, function (err) {
      return { error: err && err.message === 'decode' ? 'image_unreadable' : 'shrink_failed' };
    });
  }

  // --- upload ------------------------------------------------------------------------------

  // One signed PUT with progress. Rejects with {kind: 'network' | 'expired' | 'refused'}.
  function putOnce(upload, blob, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(upload.method || 'PUT', upload.url);
      var headers = upload.headers || {};
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.timeout = 180000;
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) { onProgress(1); resolve(); return; }
        var body = xhr.responseText || '';
        // GCS answers an expired signature with 400 ExpiredToken or 403; both need a new URL.
        if (/ExpiredToken|expired/i.test(body) || xhr.status === 403) reject({ kind: 'expired', status: xhr.status });
        else if (xhr.status >= 500 || xhr.status === 429) reject({ kind: 'network', status: xhr.status });
        else reject({ kind: 'refused', status: xhr.status });
      };
      xhr.onerror = xhr.ontimeout = function () { reject({ kind: 'network', status: 0 }); };
      xhr.send(blob);
    });
  }

  // Retries a dropped connection with backoff; asks `renew` for a fresh URL once if it lapsed.
  function uploadKtp(upload, blob, hooks) {
    var renewed = false;
    function attempt(n) {
      return putOnce(upload, blob, hooks.progress).catch(function (err) {
        if (err.kind === 'expired' && !renewed && hooks.renew) {
          renewed = true;
          return hooks.renew().then(function (fresh) { upload = fresh; return attempt(n); });
        }
        if (err.kind === 'network' && n < 3) {
          var seconds = 2 * Math.pow(2, n);
          if (hooks.waiting) hooks.waiting(seconds);
          return wait(seconds * 1000).then(function () { return attempt(n + 1); });
        }
        throw err;
      });
    }
    return attempt(0);
  }

  function wibToday() {
    return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  }

  function formatTime(iso) {
    try {
      return new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'id-ID', {
        timeZone: 'Asia/Jakarta', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit'
      }) + ' WIB';
    } catch (e) { return iso; }
  }

  function fillOffice() {
    getJson('office.json').then(function (office) {
      var nodes = document.querySelectorAll('[data-office]');
      for (var i = 0; i < nodes.length; i++) {
        var key = nodes[i].dataset.office;
        if (typeof office[key] === 'string') {
          nodes[i].textContent = office[key];
          if (nodes[i].tagName === 'A') nodes[i].href = (key === 'email' ? 'mailto:' : 'tel:') + office[key].replace(/\s/g, '');
        }
      }
    }).catch(function () { /* the built-in text stays */ });
  }

  // The form's rules come inside the page (shared/site_files.py writes them there): one round
  // trip less before the form can check anything on a slow link.
  function inlineRules() {
    var block = document.getElementById('form-rules');
    if (!block) return null;
    try { return Promise.resolve(JSON.parse(block.textContent)); } catch (e) { return null; }
  }

  var rulesPromise = null;
  window.Remisi = {
    lang: function () { return lang; },
    ui: ui, fill: fill, size: size, wait: wait,
    rules: function () { return rulesPromise || (rulesPromise = inlineRules() || getJson('form-rules.json')); },
    postJson: postJson, normalizePhone: normalizePhone, cleanText: cleanText,
    prepareKtp: prepareKtp, uploadKtp: uploadKtp, wibToday: wibToday, formatTime: formatTime
  };

  document.addEventListener('DOMContentLoaded', function () {
    var button = document.getElementById('lang');
    if (button) button.addEventListener('click', function () { applyLanguage(lang === 'en' ? 'id' : 'en'); });
    applyLanguage(lang);
    fillOffice();
  });
})();
