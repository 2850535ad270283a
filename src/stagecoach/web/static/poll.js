// Progress of an unfinished import: reload the page every few seconds until it is done.
const box = document.querySelector("[data-poll]");
if (box) setTimeout(() => window.location.reload(), Number(box.dataset.poll));
