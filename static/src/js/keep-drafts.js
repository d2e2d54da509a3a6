// Long forms keep what was typed when the session runs out (the server's side and the reasons
// are in safeguarding/drafts.py).
//
// Every <form data-keep-draft="KEY"> is copied into sessionStorage as it is typed and when it
// is sent. sessionStorage, not localStorage: a child's details must not outlive the tab. The
// draft is stored under KEY and the address the form posts to (which holds the record's id),
// so two referrals never mix. Never kept: the CSRF token, passwords, one-time codes, hidden and
// file fields, and anything inside [data-keep-draft-skip].
//
// When a page with such a form is drawn and a draft for it exists:
// - the draft was typed before the person signed in again (their session had ended): the
//   values are put back and a banner says so;
// - the draft was sent (or restored) in this sign-in and the server has not accepted it yet
//   (an error message, an error page, a page left and come back to), or another form on its
//   page was sent while it was being typed (a case's moderation, then "add an action"): the
//   values are put back quietly;
// - otherwise (typed, then left without sending) the server's copy stands and the draft goes.
//
// A draft is deleted once the server has accepted the submission: <body data-drafts-saved>
// lists the form posts it accepted (a signed-in POST answered with a redirect and no error
// message), each as KEY:address. Each form sends its KEY as the hidden field keep_draft, so
// accepting one of two forms that post to one address leaves the other's draft alone.
// Signing out deletes every draft; a draft belonging to someone else is deleted, never shown.
(function () {
  "use strict";

  var PREFIX = "keep-draft:";
  var MESSAGE = "We kept what you typed before you were signed out. Check it, then continue.";
  var SKIPPED_TYPES = ["password", "hidden", "file", "submit", "button", "reset", "image"];

  var storage;
  try {
    storage = window.sessionStorage;
    storage.getItem(PREFIX);
  } catch (error) {
    return; // storage switched off: the forms work as before
  }

  var body = document.body;
  var owner = body.getAttribute("data-draft-owner");
  var signIn = body.getAttribute("data-draft-session");

  function draftKeys() {
    var keys = [];
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && key.indexOf(PREFIX) === 0) keys.push(key);
    }
    return keys;
  }

  function read(key) {
    try {
      return JSON.parse(storage.getItem(key));
    } catch (error) {
      return null;
    }
  }

  function forgetAll() {
    draftKeys().forEach(function (key) {
      storage.removeItem(key);
    });
  }

  // Signing out (the form in the header) deletes every draft in this tab.
  var signOut = document.querySelector("form[data-sign-out]");
  if (signOut) signOut.addEventListener("submit", forgetAll);

  if (!owner || !signIn) return; // not signed in (the sign-in page): leave drafts alone

  // The address the form posts to, path and query (e.g. the referral an escalation is about).
  // Read the attribute: form.action is shadowed by any field named "action".
  function postsTo(form) {
    var url = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    return url.pathname + url.search;
  }

  // After the prefix, KEY:address: as the server lists accepted forms in data-drafts-saved.
  function storageKey(form) {
    return PREFIX + form.getAttribute("data-keep-draft") + ":" + postsTo(form);
  }

  // Tells the server which form was sent (safeguarding/drafts.py).
  function nameForServer(form) {
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "keep_draft";
    field.value = form.getAttribute("data-keep-draft");
    form.appendChild(field);
  }

  function kept(field) {
    var tag = field.tagName;
    if (tag !== "INPUT" && tag !== "TEXTAREA" && tag !== "SELECT") return false;
    if (!field.name || field.disabled) return false;
    if (SKIPPED_TYPES.indexOf((field.type || "").toLowerCase()) !== -1) return false;
    if (field.name === "csrfmiddlewaretoken") return false;
    if (/password|otp|token/i.test(field.name)) return false;
    if ((field.getAttribute("autocomplete") || "").indexOf("one-time-code") !== -1) return false;
    return !field.closest("[data-keep-draft-skip]");
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, kept);
  }

  function isChoice(field) {
    return field.type === "checkbox" || field.type === "radio";
  }

  function collect(form) {
    var values = {};
    fields(form).forEach(function (field) {
      if (isChoice(field)) {
        values[field.name] = values[field.name] || [];
        if (field.checked) values[field.name].push(field.value);
      } else if (field.type === "select-multiple") {
        values[field.name] = Array.prototype.filter
          .call(field.options, function (option) {
            return option.selected;
          })
          .map(function (option) {
            return option.value;
          });
      } else {
        values[field.name] = field.value;
      }
    });
    return values;
  }

  function restore(form, values) {
    fields(form).forEach(function (field) {
      if (!Object.prototype.hasOwnProperty.call(values, field.name)) return;
      var value = values[field.name];
      if (isChoice(field)) {
        field.checked = Array.isArray(value) && value.indexOf(field.value) !== -1;
      } else if (field.type === "select-multiple") {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = Array.isArray(value) && value.indexOf(option.value) !== -1;
        });
      } else if (typeof value === "string") {
        field.value = value;
      }
    });
  }

  function save(form, pending) {
    try {
      storage.setItem(
        storageKey(form),
        JSON.stringify({
          owner: owner,
          signIn: signIn,
          pending: pending,
          values: collect(form),
        })
      );
    } catch (error) {
      // storage full or refused: nothing more can be done in the browser
    }
  }

  function showBanner() {
    var main = document.getElementById("main-content");
    if (!main || document.getElementById("keep-drafts-banner")) return;
    var banner = document.createElement("div");
    banner.className = "govuk-notification-banner";
    banner.id = "keep-drafts-banner";
    // An alert, so screen readers announce it and GOV.UK Frontend moves focus to it, unless an
    // error summary on the page needs the focus more.
    banner.setAttribute("role", "alert");
    banner.setAttribute("aria-labelledby", "keep-drafts-banner-title");
    banner.setAttribute("data-module", "govuk-notification-banner");
    if (document.querySelector(".govuk-error-summary")) {
      banner.setAttribute("data-disable-auto-focus", "true");
    }
    var header = document.createElement("div");
    header.className = "govuk-notification-banner__header";
    var title = document.createElement("h2");
    title.className = "govuk-notification-banner__title";
    title.id = "keep-drafts-banner-title";
    title.textContent = "Important";
    header.appendChild(title);
    var content = document.createElement("div");
    content.className = "govuk-notification-banner__content";
    var text = document.createElement("p");
    text.className = "govuk-notification-banner__heading";
    text.textContent = MESSAGE;
    content.appendChild(text);
    banner.appendChild(header);
    banner.appendChild(content);
    main.insertBefore(banner, main.firstChild);
  }

  // 1. Forget drafts the server accepted, and any that are not this person's.
  var saved = (body.getAttribute("data-drafts-saved") || "").split(" ").filter(Boolean);
  draftKeys().forEach(function (key) {
    var draft = read(key);
    if (!draft || draft.owner !== owner || saved.indexOf(key.slice(PREFIX.length)) !== -1) {
      storage.removeItem(key);
    }
  });

  // 2. Put drafts back into their forms, and keep them as they are typed and sent.
  var restoredAfterSignIn = false;
  document.querySelectorAll("form[data-keep-draft]").forEach(function (form) {
    nameForServer(form);
    var key = storageKey(form);
    var draft = read(key);
    // Pending: sent or put back, and not yet accepted by the server. Stays so while typed.
    var pending = false;
    if (draft && draft.signIn !== signIn) {
      restore(form, draft.values || {});
      pending = restoredAfterSignIn = true;
      save(form, pending); // now this sign-in's draft
    } else if (draft && draft.pending) {
      restore(form, draft.values || {});
      pending = true;
    } else if (draft) {
      storage.removeItem(key);
    }
    function keep() {
      save(form, pending);
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", function () {
      pending = true;
      keep();
    });
    // Sending another form of this page is not leaving what was typed here.
    document.addEventListener("submit", function (event) {
      if (event.target === form || !read(key)) return;
      if ((event.target.getAttribute("method") || "").toLowerCase() !== "post") return;
      pending = true;
      keep();
    });
  });
  if (restoredAfterSignIn) showBanner();
})();
