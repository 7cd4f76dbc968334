// phiwatch's only script: served from /static, no inline code (the CSP forbids it).
// Forms marked data-confirm ask before they submit (revoking a token, for example).
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
