// Loaded synchronously at the top of <body> so GOV.UK components style correctly before paint.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
