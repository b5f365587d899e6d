// Small enhancements of the server-rendered booking form; without it the form still works.
(function () {
  "use strict";
  const form = document.querySelector("form[data-availability-url]");
  if (form) {
    const dayInput = form.querySelector("[name=day]");
    const partyInput = form.querySelector("[name=party_size]");
    let pending = null;

    async function refresh(day) {
      if (day) dayInput.value = day;
      const query = new URLSearchParams({ day: dayInput.value, party_size: partyInput.value });
      if (pending) pending.abort();
      pending = new AbortController();
      try {
        const response = await fetch(`${form.dataset.availabilityUrl}?${query}`, {
          signal: pending.signal, headers: { "X-Requested-With": "fetch" },
        });
        if (!response.ok) return;
        const current = form.querySelector("#availability");
        const holder = document.createElement("div");
        holder.innerHTML = await response.text();
        current.replaceWith(holder.firstElementChild);
        estimate();
      } catch (error) {
        if (error.name !== "AbortError") throw error;
      }
    }

    dayInput.addEventListener("change", () => refresh());
    partyInput.addEventListener("change", () => refresh());
    form.addEventListener("click", (event) => {
      const link = event.target.closest("#availability a[data-day]");
      if (!link) return;
      event.preventDefault();
      refresh(link.dataset.day);
    });

    // The pre-order total as the consumption note will compute it: cents, tax half up.
    const cents = (text) => Math.round(Number(text || 0) * 100);
    const estimateBox = form.querySelector("#estimate");
    const money = new Intl.NumberFormat(form.dataset.locale || document.documentElement.lang, {
      style: "currency", currency: form.dataset.currency || "USD",
    });
    function estimate() {
      if (!estimateBox) return;
      let dishes = 0;
      form.querySelectorAll("input[data-price]").forEach((input) => {
        // Only a quantity the booking would take: a whole number up to what is left.
        const text = input.value.trim();
        const quantity = /^\d+$/.test(text) ? Number(text) : 0;
        if (quantity <= Number(input.dataset.max ?? Infinity)) {
          dishes += cents(input.dataset.price) * quantity;
        }
      });
      if (!dishes) { estimateBox.hidden = true; return; }
      const time = form.querySelector("input[name=time]:checked");
      const table = time ? cents(time.dataset.tablePrice) : 0;
      const subtotal = dishes + table;
      const rate = Math.round(Number(form.dataset.taxRate || 0) * 100);
      const tax = Math.floor((subtotal * rate + 5000) / 10000);
      estimateBox.hidden = false;
      estimateBox.textContent = `${estimateBox.dataset.label || ""} ${money.format((subtotal + tax) / 100)}`.trim();
    }
    form.addEventListener("input", estimate);
    estimate();
  }

  // Inside the embeddable widget: tell the host page how tall to make the frame.
  if (window.parent !== window) {
    const report = () => window.parent.postMessage(
      { comensalHeight: document.documentElement.scrollHeight }, "*");
    new ResizeObserver(report).observe(document.body);
    report();
  }
})();
