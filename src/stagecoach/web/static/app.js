// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

// Forms that ask before they submit: <form data-confirm="...">.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// Selects that submit their form when changed: <select data-autosubmit>.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});

// <button data-open-dialog="id"> opens the <dialog id="id">.
document.addEventListener("click", (event) => {
  const opener = event.target.closest?.("[data-open-dialog]");
  if (opener) {
    document.getElementById(opener.dataset.openDialog)?.showModal();
  }
  const closer = event.target.closest?.("[data-close-dialog]");
  if (closer) {
    closer.closest("dialog")?.close();
  }
});

if (document.querySelector("[data-board]")) {
  import("./board.js?v=" + (document.querySelector("[data-board]").dataset.version || "")).then((m) => m.init());
}
