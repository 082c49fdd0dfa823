/* The confirmation: the tracking code from the URL fragment (never sent to a server). */
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var code = decodeURIComponent(location.hash.slice(1));
    var output = document.getElementById('code');
    // Only a code's own shape is shown; anything else in the fragment is ignored.
    if (!/^[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$/.test(code)) {
      document.getElementById('missing').hidden = false;
      document.getElementById('copy').hidden = true;
      output.hidden = true;
      return;
    }
    output.textContent = code;
    // The server's expected-answer line (office calendar), kept by the form for this code.
    try {
      var last = JSON.parse(sessionStorage.getItem('remisi-last') || '{}');
      if (last.code === code && typeof last.expected === 'string' && last.expected) {
        document.getElementById('expected').textContent = last.expected;
        document.getElementById('expected').hidden = false;
      }
    } catch (e) { /* nothing kept: no line */ }
    document.getElementById('status-link').href = 'status.html?kode=' + encodeURIComponent(code);
    function copied() {
      document.getElementById('copied').textContent = window.Remisi.lang() === 'en' ? 'Code copied.' : 'Kode disalin.';
    }
    function selectCode() {
      var range = document.createRange();
      range.selectNodeContents(output);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { if (document.execCommand('copy')) copied(); } catch (e) { /* selected: copy by hand */ }
    }
    document.getElementById('copy').addEventListener('click', function () {
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(code).then(copied, selectCode);
      else selectCode();
    });
  });
})();
