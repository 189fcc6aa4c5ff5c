// Progressive enhancement for stateless-shop. Every action works without this file
// (plain forms, answered with redirects); with it, the cart updates in place.
// No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  var names = document.querySelector("meta[name=shop-cookies]").dataset;

  function cookie(name) {
    var match = document.cookie.match("(?:^|; )" + name.replace(/[-.$?*|{}()[\]\\/+^]/g, "\\$&") + "=([^;]*)");
    return match ? decodeURIComponent(match[1]) : null;
  }

  function setCount(count) {
    document.querySelectorAll("[data-cart-count]").forEach(function (el) {
      el.textContent = String(count);
    });
  }

  function announce(text) {
    var live = document.querySelector("[data-live-status]");
    if (live) { live.textContent = text; }
  }

  // 128 random bits: the server wants at least 32 characters for a guest's first add.
  function newKey() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function api(method, url, body, key) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": cookie(names.csrf) || "" };
    if (key) { headers["Idempotency-Key"] = key; }
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = text ? JSON.parse(text) : {};
        if (!response.ok) { throw new Error(data.detail || "Something went wrong. Please try again."); }
        return data;
      });
    });
  }

  function money(value) { return "$" + value; }

  // The header of cacheable pages is the same HTML for every visitor: fill it in.
  if (document.body.hasAttribute("data-cacheable")) {
    var count = cookie(names.cartCount);
    setCount(count !== null && /^\d+$/.test(count) ? count : 0);
    var signedIn = cookie(names.signedIn) === "1";
    document.querySelectorAll("[data-when-signed-in]").forEach(function (el) { el.hidden = !signedIn; });
    document.querySelectorAll("[data-when-signed-out]").forEach(function (el) { el.hidden = signedIn; });
  }

  // Add to cart without leaving the product page.
  document.querySelectorAll("form.add-to-cart").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = form.querySelector("[data-form-status]");
      var keyInput = form.querySelector("[name=idempotency_key]");
      var button = form.querySelector("button");
      button.disabled = true;
      api("POST", "/api/v1/cart/items/", {
        product_id: parseInt(form.elements.product_id.value, 10),
        quantity: parseInt(form.elements.quantity.value, 10),
      }, keyInput.value).then(function (cart) {
        setCount(cart.total_quantity);
        keyInput.value = newKey();  // the next click is a new add
        status.textContent = "Added to your cart.";
        announce("Added to your cart. " + cart.total_quantity + " items in your cart.");
      }).catch(function (error) {
        status.textContent = error.message;
        announce(error.message);
      }).finally(function () { button.disabled = false; });
    });
  });

  // Change quantities and remove lines on the cart page.
  var cartTable = document.querySelector("table.cart[data-editable]");
  if (cartTable) {
    var render = function (cart) {
      setCount(cart.total_quantity);
      var byId = {};
      cart.items.forEach(function (item) { byId[item.product_id] = item; });
      cartTable.querySelectorAll("tr[data-product-id]").forEach(function (row) {
        var item = byId[row.dataset.productId];
        if (!item) { row.remove(); return; }
        row.querySelector("[data-line-total]").textContent = money(item.line_total);
        row.querySelector("input[name=quantity]").value = item.quantity;
      });
      cartTable.querySelector("[data-subtotal]").textContent = money(cart.subtotal);
      cartTable.querySelector("[data-total-quantity]").textContent = cart.total_quantity;
      if (!cart.items.length) { window.location.reload(); }
    };
    cartTable.addEventListener("submit", function (event) {
      var form = event.target;
      var row = form.closest("tr[data-product-id]");
      if (!row) { return; }
      event.preventDefault();
      var url = "/api/v1/cart/items/" + row.dataset.productId + "/";
      var request = form.matches("[data-remove]") ? api("DELETE", url)
        : api("PUT", url, { quantity: parseInt(form.elements.quantity.value, 10) });
      request.then(function (cart) {
        render(cart);
        announce("Cart updated. Subtotal " + money(cart.subtotal) + ".");
      }).catch(function (error) { announce(error.message); window.alert(error.message); });
    });
  }
})();
