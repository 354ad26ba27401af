// Progressive enhancement only; every page works without it.
// After a failed submit, move focus to the error summary so a screen reader reads it first
// and a keyboard user can follow its links straight to the fields.
const errorSummary = document.querySelector(".error-summary");
if (errorSummary) {
  errorSummary.focus();
}
