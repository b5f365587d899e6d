// After a refused submission: the error summary at the top of the form stays in view and the
// first field in error takes the focus, so the customer can correct it at once; each link of
// the summary takes them to its field. Without this script the summary and its links work.
(function () {
  "use strict";
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;

  function fieldOf(link) {
    const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) return null;
    // A group (the times) gives the focus to its chosen or first choice.
    if (target.matches("fieldset")) {
      return target.querySelector("input:checked, input, select, textarea") || target;
    }
    return target;
  }

  function reveal(field) {
    const folded = field.closest("details");
    if (folded) folded.open = true;
  }

  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    if (!link) return;
    const field = fieldOf(link);
    if (!field) return;
    event.preventDefault();
    reveal(field);
    field.focus();
    field.scrollIntoView({ block: "center" });
  });

  const first = summary.querySelector("a[href^='#']");
  const field = first && fieldOf(first);
  if (field) {
    reveal(field);
    // The summary is what the customer must see first: focus the field without scrolling
    // it away (the browser brings the field into view as soon as they type).
    field.focus({ preventScroll: true });
  } else {
    summary.focus({ preventScroll: true });
  }
  const box = summary.getBoundingClientRect();
  if (box.top < 0 || box.top > window.innerHeight) summary.scrollIntoView({ block: "start" });
})();
