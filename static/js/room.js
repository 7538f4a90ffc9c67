// The screen for the room: fetch the middle of the page every few seconds and put it in place. Our own file,
// no library; if a fetch fails the last state stays on screen and the next one tries again.
(function () {
  var box = document.getElementById("room-state");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-live-url");
  var seconds = parseInt(box.getAttribute("data-refresh"), 10) || 4;
  function refresh() {
    fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { box.innerHTML = html; } })
      .catch(function () {})
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }
  window.setTimeout(refresh, seconds * 1000);
})();
