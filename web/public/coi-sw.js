// tabvisor's cross-origin-isolation service worker, for static hosts that cannot send headers.
// SharedArrayBuffer needs the page to be cross-origin isolated (HTML standard: COOP same-origin +
// COEP require-corp). This worker answers every same-origin request of the pages it controls by
// fetching it and returning the response with those two headers added (and CORP, so the page's
// own subresources pass COEP). Registered by web/isolation.ts only when the page is not isolated.
"use strict";

const ADD_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (new URL(req.url).origin !== self.location.origin) return; // the network answers as usual
  if (req.cache === "only-if-cached" && req.mode !== "same-origin") return;
  event.respondWith(
    fetch(req).then((res) => {
      if (res.status === 0 || res.type === "opaque") return res;
      const headers = new Headers(res.headers);
      for (const [k, v] of Object.entries(ADD_HEADERS)) headers.set(k, v);
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    }),
  );
});
