// creditline: the passkey ceremonies in the browser (sign up, sign in, operator enrollment, and the
// drawdown approval). The server sends WebAuthn options as JSON with base64url binary fields; we turn
// them into ArrayBuffers for navigator.credentials and the answer back into JSON. No inline script:
// the page's CSP allows only this file and htmx.
"use strict";

(function () {
  function bytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
  }

  function text(buffer) {
    const chars = Array.from(new Uint8Array(buffer), (b) => String.fromCharCode(b)).join("");
    return btoa(chars).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(options) {
    const o = Object.assign({}, options);
    o.challenge = bytes(o.challenge);
    o.user = Object.assign({}, o.user, { id: bytes(o.user.id) });
    o.excludeCredentials = (o.excludeCredentials || []).map((c) => Object.assign({}, c, { id: bytes(c.id) }));
    return o;
  }

  function requestOptions(options) {
    const o = Object.assign({}, options);
    o.challenge = bytes(o.challenge);
    o.allowCredentials = (o.allowCredentials || []).map((c) => Object.assign({}, c, { id: bytes(c.id) }));
    return o;
  }

  function credentialJson(credential) {
    const r = credential.response;
    const response = { clientDataJSON: text(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = text(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = text(r.authenticatorData);
      response.signature = text(r.signature);
      if (r.userHandle) response.userHandle = text(r.userHandle);
    }
    return {
      id: credential.id, rawId: text(credential.rawId), type: credential.type, response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error((data.field ? data.field + ": " : "") + (data.error || response.status));
    return data;
  }

  function say(message, isError) {
    const status = document.getElementById("status");
    if (status) {
      status.textContent = message;
      status.className = isError ? "status error" : "status";
    }
  }

  function base() {
    return location.pathname.startsWith("/console") ? "/console" : "/app";
  }

  async function register(fields) {
    const options = await post(base() + "/passkeys/registration-options", fields);
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
    const signedIn = await post(base() + "/passkeys/registration", { credential: credentialJson(credential) });
    location.assign(signedIn.location);
  }

  async function signIn() {
    const options = await post(base() + "/passkeys/sign-in-options");
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
    const signedIn = await post(base() + "/passkeys/sign-in", { credential: credentialJson(credential) });
    location.assign(signedIn.location);
  }

  async function draw(form) {
    const line = form.dataset.line;
    const terms = {
      amount: form.elements.amount.value.trim(),
      term_months: parseInt(form.elements.term_months.value, 10),
      method: form.elements.method ? form.elements.method.value : null,
      coupon_id: form.elements.coupon_id && form.elements.coupon_id.value ? form.elements.coupon_id.value : null,
    };
    const options = await post("/app/lines/" + line + "/approval", terms);
    const assertion = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
    const body = Object.assign({}, terms, { key: form.dataset.key, assertion: credentialJson(assertion) });
    const done = await post("/app/lines/" + line + "/drawdowns", body);
    location.assign(done.location);
  }

  function guarded(action) {
    return async function (event) {
      event.preventDefault();
      const button = event.submitter || event.currentTarget;
      if (button && button.disabled !== undefined) button.disabled = true;
      say("…", false);
      try {
        await action(event);
      } catch (error) {
        say(error.message || String(error), true);
      } finally {
        if (button && button.disabled !== undefined) button.disabled = false;
      }
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential) say("This browser does not support passkeys.", true);
    document.querySelectorAll('form[data-passkey="register"]').forEach((form) => form.addEventListener(
      "submit", guarded(() => register({ display_name: form.elements.display_name.value }))));
    document.querySelectorAll('form[data-passkey="enroll"]').forEach((form) => form.addEventListener(
      "submit", guarded(() => register({ enrollment_code: form.elements.enrollment_code.value.trim() }))));
    document.querySelectorAll('[data-passkey="sign-in"]').forEach((button) => button.addEventListener(
      "click", guarded(() => signIn())));
    document.querySelectorAll('[data-passkey="draw"]').forEach((button) => button.addEventListener(
      "click", guarded(() => draw(button.closest("form")))));
  });
})();
