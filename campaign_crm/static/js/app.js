// Progressive enhancement only; every page works without it.
// After a failed submit, move focus to the error summary so a screen reader reads it first
// and a keyboard user can follow its links straight to the fields.
const errorSummary = document.querySelector(".error-summary");
if (errorSummary) {
  errorSummary.focus();
}

// The board: dragging a card onto another column picks that stage in the card's own "Verplaatsen naar" form and
// submits it, so a drag does exactly what the keyboard-operable form does (and the server applies the same rules).
document.querySelectorAll(".board-card[draggable=true]").forEach((card) => {
  card.addEventListener("dragstart", (event) => {
    event.dataTransfer.setData("text/plain", card.dataset.lead);
    event.dataTransfer.effectAllowed = "move";
  });
});
document.querySelectorAll(".board-column").forEach((column) => {
  const accepts = (event) => {
    const id = event.dataTransfer.getData("text/plain");
    const select = id && document.getElementById(`naar-${id}`);
    return select && [...select.options].some((option) => option.value === column.dataset.stage) ? select : null;
  };
  column.addEventListener("dragover", (event) => {
    event.preventDefault();
    column.classList.add("drop-target");
  });
  column.addEventListener("dragleave", () => column.classList.remove("drop-target"));
  column.addEventListener("drop", (event) => {
    event.preventDefault();
    column.classList.remove("drop-target");
    const select = accepts(event);
    if (select) {
      select.value = column.dataset.stage;
      select.form.submit();
    }
  });
});
