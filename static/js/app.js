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
