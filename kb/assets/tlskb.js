/* tlskb: sortable tables (click a header), written here so the site loads nothing from other
   hosts. Works with Material's instant loading (document$) and without it (file://). */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    return cell ? cell.textContent.trim().toLowerCase() : "";
  }

  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var order = x.localeCompare(y, undefined, { numeric: true });
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function enable(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".tlskb-sortable table"), function (table) {
      if (table.dataset.tlskbSortable || !table.tHead) { return; }
      table.dataset.tlskbSortable = "1";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
        header.setAttribute("role", "button");
        header.addEventListener("click", function (event) {
          if (event.target.closest("a")) { return; }
          sortBy(table, index, header);
        });
      });
    });
  }

  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(function () { enable(document); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enable(document); });
  } else {
    enable(document);
  }
}());
