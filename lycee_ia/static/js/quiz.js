// Answer a question without reloading the page. Without JavaScript, the same
// forms post normally and the server answers with a page: nothing depends on this.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-answer") || !window.fetch || !window.FormData) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action || window.location.href, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (reply) {
      if (!reply.ok) {
        var message = form.querySelector(".form-errors") || document.createElement("p");
        message.className = "form-errors";
        message.setAttribute("role", "alert");
        message.textContent = reply.data.error || "La réponse n'a pas pu être enregistrée.";
        form.insertBefore(message, form.firstChild);
        if (button) { button.disabled = false; }
        return;
      }
      var holder = document.createElement("div");
      holder.innerHTML = reply.data.html;
      var feedback = holder.firstElementChild;
      var error = form.querySelector(".form-errors");
      if (error) { error.parentNode.removeChild(error); }
      if (form.hasAttribute("data-retry") && button) {
        // An activity: keep the choice visible, show the feedback above the
        // button, which becomes « Réessayer » with a new nonce (a new answer).
        var previous = form.querySelector(".feedback");
        if (previous) { previous.parentNode.removeChild(previous); }
        form.insertBefore(feedback, button);
        var nonce = form.querySelector("input[name=nonce]");
        if (nonce && reply.data.nonce) { nonce.value = reply.data.nonce; }
        button.textContent = form.getAttribute("data-retry");
        button.disabled = false;
      } else {
        form.parentNode.replaceChild(feedback, form);
      }
      feedback.focus();
    }).catch(function () {
      // The server could not be reached this way: let the browser post the form.
      form.submit();
    });
  });
})();
