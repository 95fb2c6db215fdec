// The post editor's "Insert image" control: uploads the chosen file to /media and puts
// its Markdown, ![description](/media/<id>), where the cursor is in the text. Without
// JavaScript the control stays hidden and the hint beside it points to the uploads page.
(function () {
  "use strict";
  var box = document.querySelector(".image-insert");
  var content = document.getElementById("content");
  var token = document.querySelector("form.editor input[name=csrf_token]");
  if (!box || !content || !window.fetch || !window.FormData) {
    return;
  }
  var file = box.querySelector("input[type=file]");
  var alt = box.querySelector("input[type=text]");
  var status = box.querySelector(".image-insert-status");
  var fallback = document.querySelector(".image-insert-fallback");
  box.hidden = false;
  if (fallback) {
    fallback.hidden = true;
  }

  function insertAtCursor(text) {
    var start = content.selectionStart;
    var end = content.selectionEnd;
    var before = content.value.slice(0, start);
    // An image on its own line reads best in the Markdown and in the post.
    var lead = before && !/\n$/.test(before) ? "\n\n" : "";
    content.setRangeText(lead + text + "\n", start, end, "end");
    content.focus();
  }

  function failed(response, answer) {
    if (answer && answer.error && answer.error.message) {
      return answer.error.message;
    }
    if (response.status === 413) {
      return "That file is too large.";
    }
    return "The upload did not work (" + response.status + "): try again.";
  }

  file.addEventListener("change", function () {
    if (!file.files.length) {
      return;
    }
    var body = new FormData();
    body.append("file", file.files[0]);
    body.append("alt", alt.value);
    if (token) {
      body.append("csrf_token", token.value);
    }
    status.textContent = "Uploading " + file.files[0].name + "…";
    file.disabled = true;
    fetch(box.getAttribute("data-upload-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (!response.ok || !answer || !answer.success) {
          status.textContent = failed(response, answer);
          return;
        }
        insertAtCursor(answer.data.markdown);
        status.textContent = "Inserted " + answer.data.markdown + ".";
        file.value = "";
        alt.value = "";
      });
    }).catch(function () {
      status.textContent = "The upload did not reach the blog: check the connection and try again.";
    }).then(function () {
      file.disabled = false;
    });
  });
}());
