// The narrative editor (issue 12, item 9): a live preview of each section as it will print, following the
// markup of reports/rules.py (blank line: new paragraph; "- ": list item; **bold**), and Word's paste sent to
// the server, whose sanitiser keeps paragraphs and simple lists. Without JS the "Preview" button does both.
(function () {
  var form = document.getElementById("narrative-form");
  if (!form) {
    return;
  }
  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function runs(line) {
    return escape(line).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>");
  }
  function render(text) {
    return text.replace(/\r\n/g, "\n").trim().split(/\n\s*\n/).map(function (chunk) {
      var lines = chunk.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
      if (!lines.length) {
        return "";
      }
      var isList = lines.every(function (l) { return /^[-*+] /.test(l); });
      if (isList) {
        return "<ul>" + lines.map(function (l) { return "<li>" + runs(l.slice(2).trim()) + "</li>"; }).join("") + "</ul>";
      }
      return "<p>" + lines.map(runs).join("<br>") + "</p>";
    }).join("\n");
  }
  form.querySelectorAll("textarea[data-narrative]").forEach(function (area) {
    var box = form.querySelector('[data-preview-for="' + area.name + '"]');
    if (!box) {
      return;
    }
    var update = function () {
      box.hidden = !area.value.trim();
      box.querySelector(".document-text").innerHTML = render(area.value);  // escaped above, as the server does
    };
    area.addEventListener("input", update);
    update();
    area.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      var html = data && data.getData("text/html");
      if (!html || !/urn:schemas-microsoft-com:office|MsoNormal|mso-/.test(html)) {
        return;  // not from Word: the browser pastes the plain text
      }
      event.preventDefault();
      form.elements.pasted_section.value = area.name;
      form.elements.pasted_html.disabled = false;
      form.elements.pasted_html.value = html;
      var preview = document.createElement("input");
      preview.type = "hidden";
      preview.name = "preview";
      preview.value = "1";
      form.appendChild(preview);
      form.submit();
    });
  });
  // The Word upload form carries the sections as they were served; send what is typed now instead.
  var upload = document.getElementById("docx-form");
  if (upload) {
    upload.addEventListener("submit", function () {
      form.querySelectorAll("textarea[data-narrative]").forEach(function (area) {
        var copy = upload.querySelector('input[type=hidden][name="' + area.name + '"]');
        if (copy) {
          copy.value = area.value;
        }
      });
    });
  }
})();
