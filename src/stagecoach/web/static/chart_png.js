// PNG export of a report chart: the server's SVG drawn onto a canvas, downloaded as a file.
for (const link of document.querySelectorAll("[data-png-chart]")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const svg = document.querySelectorAll("svg.chart")[Number(link.dataset.pngChart)];
    if (!svg) return;
    const width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
    const data = new XMLSerializer().serializeToString(svg);
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = width * 2;
      canvas.height = height * 2;
      const g = canvas.getContext("2d");
      g.scale(2, 2);
      g.drawImage(image, 0, 0, width, height);
      canvas.toBlob((blob) => {
        const a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = link.dataset.pngName;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      }, "image/png");
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data);
  });
}
