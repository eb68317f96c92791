/* UnionAdmin page helpers: dd/mm/yyyy date pickers and the searchable unit picker. */
(function ($) {
  "use strict";
  if ($.fn.datepicker && $.fn.datepicker.dates) {
    $.fn.datepicker.dates.vi = {
      days: ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
      daysShort: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
      daysMin: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
      months: ["Tháng 1", "Tháng 2", "Tháng 3", "Tháng 4", "Tháng 5", "Tháng 6", "Tháng 7",
               "Tháng 8", "Tháng 9", "Tháng 10", "Tháng 11", "Tháng 12"],
      monthsShort: ["Th1", "Th2", "Th3", "Th4", "Th5", "Th6", "Th7", "Th8", "Th9", "Th10",
                    "Th11", "Th12"],
      today: "Hôm nay", clear: "Xóa", format: "dd/mm/yyyy", weekStart: 1
    };
  }
  $(function () {
    var lang = ($("html").attr("lang") || "vi").substring(0, 2);
    $(".ua-date").each(function () {
      $(this).datepicker({format: "dd/mm/yyyy", language: lang === "en" ? "en" : "vi",
                          autoclose: true, forceParse: false});
    });
    $(".ua-unit-picker").each(function () {
      var elem = $(this);
      elem.select2({
        theme: "bootstrap", allowClear: true, width: "100%",
        placeholder: elem.data("placeholder") || "",
        minimumInputLength: 0,
        ajax: {
          url: "/units/choose", dataType: "json", delay: 250,
          data: function (params) {
            return {q: params.term || "", purpose: elem.data("purpose"),
                    level: $("#level").val()};
          },
          processResults: function (data) { return {results: data.results}; }
        }
      });
    });
  });
})(jQuery);
