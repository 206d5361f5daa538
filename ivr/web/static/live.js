// Today page: fetch the live fragment every few seconds and swap it in (no reload, no library).
(function () {
  var box = document.getElementById("live");
  if (!box) return;
  var src = box.getAttribute("data-src");
  function refresh() {
    fetch(src, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { if (r.status === 401) { window.location = "/login"; return null; } return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && html !== undefined) box.innerHTML = html; })
      .catch(function () {});
  }
  setInterval(refresh, 3000);
})();
