// Drag and drop on the deal board. A drop submits the card's own move form (the same form
// keyboard and no-JS users submit), so the server runs the automation in one path.
export function init() {
  const board = document.querySelector("[data-board]");
  let dragged = null;
  board.dataset.ready = "true";

  board.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".deal-card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.dealId);
  });

  board.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    dragged = null;
    board.querySelectorAll(".drop-target").forEach((c) => c.classList.remove("drop-target"));
  });

  board.addEventListener("dragover", (event) => {
    const column = event.target.closest(".column");
    if (!column || !dragged) return;
    event.preventDefault();
    board.querySelectorAll(".drop-target").forEach((c) => c !== column && c.classList.remove("drop-target"));
    column.classList.add("drop-target");
  });

  board.addEventListener("drop", (event) => {
    const column = event.target.closest(".column");
    if (!column || !dragged) return;
    event.preventDefault();
    const form = dragged.querySelector("form.move-form");
    if (column.dataset.stage === dragged.dataset.stage) return;
    form.elements.dealstage.value = column.dataset.stage;
    form.requestSubmit();
  });
}
