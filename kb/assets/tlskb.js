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

  /* The client matrix's filters: current clients only, a kind of client, one server stack
     (each cell carries every stack's mark and class as data-stack-<id> / data-class-<id>). */
  function applyFilters(form, table) {
    var current = form.elements.current.checked;
    var category = form.elements.category.value;
    var stack = form.elements.stack.value;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var hidden = (current && row.dataset.historical === "yes") ||
        (category && row.dataset.category !== category);
      row.hidden = hidden;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var text = cell.getAttribute("data-" + (stack === "all" ? "all" : "stack-" + stack));
        if (text === null) { return; }
        cell.textContent = text;
        cell.className = cell.getAttribute("data-class-" + stack) || "";
      });
    });
  }

  function enableFilters(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form.tlskb-filters"), function (form) {
      var wrapper = form.nextElementSibling;
      var table = wrapper && wrapper.querySelector("table");
      if (!table || form.dataset.tlskbFilters) { return; }
      form.dataset.tlskbFilters = "1";
      form.addEventListener("change", function () { applyFilters(form, table); });
      form.addEventListener("submit", function (event) { event.preventDefault(); });
    });
  }

  function enableAll(root) { enable(root); enableFilters(root); }

  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(function () { enableAll(document); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enableAll(document); });
  } else {
    enableAll(document);
  }
}());
