// Drag and drop on the stage set: a drop posts the same reorder form the buttons use
// (value + position), so the server stays the only place that orders stages.
const rows = document.getElementById("stage-rows");
const form = document.getElementById("stage-drop-form");
if (rows && form) {
  let dragged = null;
  rows.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("tr[data-stage]");
    if (dragged) {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.stage);
      dragged.classList.add("dragging");
    }
  });
  rows.addEventListener("dragover", (event) => {
    if (dragged && event.target.closest("tr[data-stage]")) {
      event.preventDefault();
    }
  });
  rows.addEventListener("dragend", () => dragged?.classList.remove("dragging"));
  rows.addEventListener("drop", (event) => {
    const target = event.target.closest("tr[data-stage]");
    if (!dragged || !target || target === dragged) {
      return;
    }
    event.preventDefault();
    const all = [...rows.querySelectorAll("tr[data-stage]")];
    form.elements.value.value = dragged.dataset.stage;
    form.elements.position.value = String(all.indexOf(target));
    form.submit();
  });
}
