// A little JavaScript where it helps; every page works without it (style.md).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A spinner on links that make a document (PDF, Word): rendering takes a moment. Without JS the link works.
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a[data-spinner]") : null;
  if (!link || link.querySelector(".spinner-border")) {
    return;
  }
  var spinner = document.createElement("span");
  spinner.className = "spinner-border spinner-border-sm ms-1";
  spinner.setAttribute("role", "status");
  spinner.setAttribute("aria-hidden", "true");
  link.appendChild(spinner);
  link.setAttribute("aria-busy", "true");
  // A download leaves the page in place: take the spinner away after a while.
  window.setTimeout(function () {
    spinner.remove();
    link.removeAttribute("aria-busy");
  }, 8000);
});

// A "Print" button (data-print): the browser's own print dialog. Without JS, Ctrl+P does the same.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    window.print();
  }
});

// Shared office computers (emulation/idle.py): warn before the session ends for inactivity, and count typing
// in a form as activity. The server decides; this only tells the person in time.
(function () {
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var url = body.getAttribute("data-keepalive-url");
  if (!idle || !url || !window.fetch) {
    return;
  }
  var warnBefore = Math.min(120, Math.floor(idle / 4));
  var lastServer = Date.now();
  var banner = null;
  function token() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function show(text, withButton) {
    if (!banner) {
      banner = document.createElement("div");
      banner.className = "alert alert-warning shadow idle-banner d-flex flex-wrap gap-2 align-items-center";
      banner.setAttribute("role", "alert");
      document.body.appendChild(banner);
    }
    banner.textContent = text + " ";
    if (withButton) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-primary";
      button.textContent = body.getAttribute("data-idle-stay");
      button.addEventListener("click", keepalive);
      banner.appendChild(button);
    }
  }
  function hide() {
    if (banner) {
      banner.remove();
      banner = null;
    }
  }
  function keepalive() {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token());
    fetch(url, {method: "POST", body: data, credentials: "same-origin"}).then(function (response) {
      if (response.ok) {
        lastServer = Date.now();
        hide();
      }
    });
  }
  document.addEventListener("input", function () {
    if (Date.now() - lastServer > 5 * 60 * 1000) {
      keepalive();
    }
  });
  window.setInterval(function () {
    var left = idle - (Date.now() - lastServer) / 1000;
    if (left <= 0) {
      show(body.getAttribute("data-idle-ended"), false);
    } else if (left <= warnBefore) {
      show(body.getAttribute("data-idle-warning").replace("{minutes}", Math.max(1, Math.ceil(left / 60))), true);
    }
  }, 10000);
})();

// A voting card's QR code opens /card/#CODE: the code after "#" never reaches the server in a URL (so no
// access log holds it); here it is put into the form and sent in the form's body. Without JS, type the code.
(function () {
  var form = document.querySelector("form[data-card-code]");
  var code = window.location.hash.replace(/^#/, "");
  if (!form || !/^[A-Za-z0-9-]{10,12}$/.test(code)) {
    return;
  }
  history.replaceState(null, "", window.location.pathname);
  form.querySelector("input[name=code]").value = code;
  form.submit();
})();

// A form that answers with a download (the voting-card sheet) leaves its page as it was: reload it a moment
// later so that its counts include what the download just made. Without JS, reload by hand.
document.addEventListener("submit", function (event) {
  if (event.target.hasAttribute && event.target.hasAttribute("data-reload-after-download") && !event.defaultPrevented) {
    window.setTimeout(function () { window.location.reload(); }, 4000);
  }
});
